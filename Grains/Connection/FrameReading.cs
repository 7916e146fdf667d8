using System.Net.WebSockets;

namespace Jetstream.Grains.Connection;

/// <summary>A whole WebSocket message to a <see cref="WireFrame"/>: decompressed when the connection is compressed, then read by its wire.</summary>
public static class FrameReading
{
    public static WireFrame Read(ReadOnlyMemory<byte> raw, WebSocketMessageType type, ZstdFrameDecoder? decoder, IJetstreamWire wire, ConnectionTracker track)
    {
        if (type != WebSocketMessageType.Binary || decoder is null)
        {
            track.Decoded(raw.Length);
            return wire.Read(raw, type);
        }

        switch (decoder.Decode(raw.Span, out var decoded))
        {
            case ZstdDecodeResult.Ok:
                track.Decoded(decoded.Length);
                return wire.Read(decoded, WebSocketMessageType.Text);
            case ZstdDecodeResult.TooLarge:
                return new WireFrame(WireFrameKind.Oversize, default, raw, Problem: "decoded size over Jetstream:MaxFrameBytes (a decompression bomb?)");
            case var failure:
                return WireFrame.Bad($"zstd frame not decodable ({failure})", raw);
        }
    }
}
