using System.Net.WebSockets;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The legacy wire, <c>/subscribe</c> (PROTOCOL.md §2): filters in the URL (or a hello when they do not fit),
/// <c>time_us</c> cursors, filters replaced live by <c>options_update</c>, zstd with the legacy dictionary. Each text
/// frame is already a v1 event, forwarded as it came.
/// </summary>
public sealed class V1Wire : IJetstreamWire
{
    public string Name => "v1";

    public bool SequenceCursor => false;

    public IEnumerable<string> Validate(WireFilters filters, string setting) =>
        FilterRules.Check(filters.Collections, $"{setting}:WantedCollections", filters.Dids, $"{setting}:WantedDids", static (f, i) => $"{f}:{i}")
            .Select(failure => $"{failure.Field}: {failure.Message}");

    public WireRequest Request(string endpoint, WireFilters filters, long? cursor, WireCompression compression)
    {
        // compress=true rather than the Socket-Encoding header: it shows in the URL /status displays (§2.1).
        var request = SubscribeRequest.Create(endpoint, filters.Collections, filters.Dids, cursor, compression.IsZstd);
        return new WireRequest(request.Uri, request.Hello);
    }

    public string? FiltersUpdate(WireFilters filters) => SubscribeRequest.OptionsUpdate(filters.Collections, filters.Dids);

    public WireFrame Read(ReadOnlyMemory<byte> frame, WebSocketMessageType type) =>
        type == WebSocketMessageType.Text
            ? new WireFrame(WireFrameKind.Event, frame, frame)
            : WireFrame.Bad("unexpected binary frame", frame);
}
