namespace Jetstream.Emulator;

/// <summary>
/// Counters of <c>GET /control/stats</c>: events published, frames sent to subscribers, connections per wire, wire
/// bytes sent by the open connections, and the retained seq range (<see cref="FloorSeq"/> up to <see cref="NextSeq"/>).
/// </summary>
public sealed record EmulatorStats(
    long Published,
    long Sent,
    int ActiveConnections,
    long ConnectionsAccepted,
    long SlowConsumerDrops,
    int LoggedEvents,
    double EventsPerSecond,
    int V1Connections,
    int V2Connections,
    long BytesSent,
    long FloorSeq,
    long NextSeq);
