namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Owns one Jetstream subscription: the socket, the durable cursor and the statistics.
/// The key names the processor; the service runs <see cref="DefaultKey"/>.
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
}
