namespace Jetstream.WebhookReceiver;

/// <summary>
/// Any request that reached the receiver and the status it got (0: the connection was aborted). Every delivery
/// attempt shows here, so retry timing can be read from it.
/// </summary>
/// <param name="Body">The request's body (null when the connection was aborted before it was read).</param>
public sealed record ReceivedRequest(string? Id, DateTimeOffset ArrivedAt, int Status, byte[]? Body = null);
