namespace Jetstream.Grains.Interfaces;

/// <summary>
/// The processor's view of its socket, read from the live connection (never a cached flag).
/// <see cref="ReadyState"/> follows the WebSocket API numbering the original service exposed:
/// 0 connecting, 1 open, 2 closing, 3 closed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConnectionStatus
{
    [Id(0)] public bool Connected { get; init; }

    [Id(1)] public int ReadyState { get; init; } = 3;

    [Id(2)] public ConnectionState State { get; init; }

    /// <summary>The endpoint in use (or being tried), without the query string.</summary>
    [Id(3)] public string? Endpoint { get; init; }

    /// <summary>The full subscribe URL of the current or last attempt.</summary>
    [Id(4)] public string? SubscribeUrl { get; init; }

    [Id(5)] public DateTimeOffset? ConnectedSince { get; init; }

    [Id(6)] public DateTimeOffset? LastMessageAt { get; init; }

    /// <summary>Consecutive failed attempts since the last healthy session.</summary>
    [Id(7)] public int ReconnectAttempts { get; init; }

    [Id(8)] public string? LastError { get; init; }

    [Id(9)] public DateTimeOffset? LastErrorAt { get; init; }

    [Id(10)] public long? Cursor { get; init; }

    /// <summary>Now minus the cursor's time, in seconds; null before the first event.</summary>
    [Id(11)] public double? LagSeconds { get; init; }

    /// <summary>When the next connection attempt is due, while in backoff.</summary>
    [Id(12)] public DateTimeOffset? NextAttemptAt { get; init; }
}
