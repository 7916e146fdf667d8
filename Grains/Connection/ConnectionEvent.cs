using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Connection;

/// <summary>What <see cref="JetstreamConnection.NextAsync"/> hands its reader.</summary>
/// <param name="ServerCursor">On <see cref="ConnectionEventKind.ReadyToConnect"/>: a cursor the server named for this endpoint (<c>ConsumerTooSlow</c>, the <c>CursorTooOld</c> floor), to be used instead of the planned one.</param>
/// <param name="LastSessionStalled">On <see cref="ConnectionEventKind.ReadyToConnect"/>: the last session that opened delivered no new event.</param>
public readonly record struct ConnectionEvent(
    ConnectionEventKind Kind,
    string Endpoint,
    IJetstreamWire Wire,
    WireFrame Frame = default,
    StreamGap? Gap = null,
    long? ServerCursor = null,
    bool LastSessionStalled = false);
