using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Connection;

/// <summary>What <see cref="JetstreamConnection.NextAsync"/> hands its reader.</summary>
public readonly record struct ConnectionEvent(ConnectionEventKind Kind, string Endpoint, IJetstreamWire Wire, WireFrame Frame = default, StreamGap? Gap = null);
