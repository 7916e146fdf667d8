using System.Net.WebSockets;

namespace Jetstream.Grains.Connection;

/// <summary>
/// One Jetstream wire protocol: how the subscription is spelled in the URL, what may change on an open socket, and how
/// a decoded frame becomes an event in the v1 shape. An instance belongs to one connection (it may reuse buffers).
/// A new wire is one class and one line in <see cref="JetstreamWires.Create"/>.
/// </summary>
public interface IJetstreamWire
{
    /// <summary><c>v1</c> or <c>v2</c>: shown in /status and the stats.</summary>
    string Name { get; }

    /// <summary>Whether the cursor is the server's sequence number (v2) rather than <c>time_us</c> (v1).</summary>
    bool SequenceCursor { get; }

    /// <summary>The subscription's problems under this wire's rules (PROTOCOL.md), each naming <paramref name="setting"/>.</summary>
    IEnumerable<string> Validate(WireFilters filters, string setting);

    WireRequest Request(string endpoint, WireFilters filters, long? cursor, WireCompression compression);

    /// <summary>The frame that changes the filters on the open socket, or null when the wire has none (reconnect instead).</summary>
    string? FiltersUpdate(WireFilters filters);

    /// <summary>Reads one whole, decompressed frame.</summary>
    WireFrame Read(ReadOnlyMemory<byte> frame, WebSocketMessageType type);
}
