namespace Jetstream.Emulator;

/// <summary>Counters of <c>GET /control/stats</c>: events published, frames sent to subscribers, connections.</summary>
public sealed record EmulatorStats(
    long Published,
    long Sent,
    int ActiveConnections,
    long ConnectionsAccepted,
    long SlowConsumerDrops,
    int LoggedEvents,
    double EventsPerSecond);
