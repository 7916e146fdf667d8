namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Owns one subscription's reading of Jetstream: the socket, the durable cursor and the statistics. Keyed by the
/// subscription id; the subscription's settings are read from the subscription store, never passed in.
/// </summary>
public interface IJetstreamProcessorGrain : IGrainWithStringKey
{
    const string DefaultKey = "default";

    /// <summary>Activates the grain (and so its subscription loop) if it is not already running.</summary>
    Task EnsureRunning();

    Task<ProcessorStats> GetStats();

    Task<ConnectionStatus> GetStatus();

    /// <summary>Zeroes the counters. The cursor is kept: resetting statistics never replays or skips events.</summary>
    Task<ProcessorStats> ResetStats();

    /// <summary>Closes the current socket and reconnects at once (resuming at the cursor), resetting the backoff.</summary>
    Task Reconnect();

    /// <summary>
    /// Reads the subscription again and applies what changed: filters on the open socket (no reconnect), endpoints by
    /// reconnecting, <c>enabled</c> by pausing or resuming (the cursor stays).
    /// </summary>
    Task ApplySettings();

    /// <summary>Reads again from <paramref name="from"/>: every event since then is queued again, with the same ids.</summary>
    Task<ReplayResult> Replay(DateTimeOffset from);

    /// <summary>Stops reading for good, finishes the queue writes in flight, and removes the cursor, statistics and reminder.</summary>
    Task Delete();
}
