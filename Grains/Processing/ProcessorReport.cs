using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Processing;

/// <summary>The processor's /stats and /status: the connection's own view with the position, its lag, the gaps and the sink's state added.</summary>
public static class ProcessorReport
{
    public static ProcessorStats Stats(ProcessorCounters counters, CursorPosition position, DateTimeOffset startedAt, ActivityWindow window, double receivedPerSecond, ConnectionStatus connection, DateTimeOffset now) =>
        counters.ToStats(position.TimeUs, startedAt, window) with
        {
            LagSeconds = position.LagSeconds(now),
            ReceivedPerSecond = receivedPerSecond,
            Wire = connection.Wire,
            Compression = connection.Compression,
            WireBytes = connection.WireBytes,
            DecodedBytes = connection.DecodedBytes,
            CompressionRatio = connection.CompressionRatio,
        };

    /// <param name="notReady">Why storage keeps the processor from starting, if it does.</param>
    /// <param name="paused">The subscription is paused (no socket).</param>
    public static ConnectionStatus Status(ConnectionStatus connection, QueueSink sink, ProcessorCounters counters, string? notReady, bool paused, DateTimeOffset now) => connection with
    {
        State = sink.IsPaused || notReady is not null ? ConnectionState.PausedQueueUnavailable : paused ? ConnectionState.Paused : connection.State,
        LastError = sink.IsPaused ? sink.LastError : notReady ?? connection.LastError,
        Cursor = sink.Position.TimeUs,
        CursorSeq = sink.Position.Seq,
        LagSeconds = sink.Position.LagSeconds(now),
        Gaps = [.. counters.Gaps],
    };
}
