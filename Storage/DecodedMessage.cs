namespace Jetstream.Storage;

/// <summary>A decoded queue message: its events and the version it was written in (a rewrite keeps that version).</summary>
public sealed record DecodedMessage(int Version, IReadOnlyList<QueuedEvent> Events);
