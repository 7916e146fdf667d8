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

    /// <summary><c>v1</c> (<c>/subscribe</c>) or <c>v2</c> (<c>subscribeEvents</c>): the wire of <see cref="Endpoint"/>.</summary>
    [Id(13)] public string? Wire { get; init; }

    /// <summary>The compression in use, e.g. <c>zstd (dictionary 1612007021)</c>, or <c>none</c> and why.</summary>
    [Id(14)] public string? Compression { get; init; }

    /// <summary>Bytes received on the wire (frames as sent, compressed or not) since the processor started.</summary>
    [Id(15)] public long WireBytes { get; init; }

    /// <summary>The same frames' bytes once decompressed.</summary>
    [Id(16)] public long DecodedBytes { get; init; }

    /// <summary><see cref="DecodedBytes"/> / <see cref="WireBytes"/>; null before any byte.</summary>
    [Id(17)] public double? CompressionRatio { get; init; }

    /// <summary>The most recent gaps, oldest first (see <see cref="StreamGap"/>).</summary>
    [Id(18)] public System.Collections.Immutable.ImmutableArray<StreamGap> Gaps { get; init; } = [];

    /// <summary>The v2 sequence cursor and the endpoint it belongs to (seq is instance-local); null on v1.</summary>
    [Id(19)] public long? CursorSeq { get; init; }
}
