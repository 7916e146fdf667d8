using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The v2 wire, <c>/xrpc/network.bsky.jetstream.subscribeEvents</c> (PROTOCOL.md §3): <c>kinds</c>, <c>collections</c>,
/// <c>dids</c> in the URL, an inclusive cursor that is a seq (below 10¹⁵) or a time in µs, server-push only (no
/// filter change on an open socket), zstd with a dictionary named by id. Message frames are converted to the v1 event
/// JSON by <see cref="V2EventConverter"/>.
/// </summary>
public sealed class V2Wire : IJetstreamWire
{
    private readonly ArrayBufferWriter<byte> _converted = new(4096);
    private readonly System.Text.Json.Utf8JsonWriter _writer = new(new ArrayBufferWriter<byte>(1));

    public string Name => "v2";

    public bool SequenceCursor => true;

    public IEnumerable<string> Validate(WireFilters filters, string setting) =>
        FilterRules.CheckSubscribeEvents(filters.Collections, $"{setting}:WantedCollections", filters.Dids, $"{setting}:WantedDids", static (f, i) => $"{f}:{i}")
            .Select(failure => $"{failure.Field}: {failure.Message}");

    public WireRequest Request(string endpoint, WireFilters filters, long? cursor, WireCompression compression)
    {
        var query = new StringBuilder();
        // Identity and account events only when the subscription forwards them: kinds=commit drops them at the server.
        Append(query, "kinds", "commit");
        if (filters.Identity)
        {
            Append(query, "kinds", "identity");
        }

        if (filters.Account)
        {
            Append(query, "kinds", "account");
        }

        foreach (var collection in filters.Collections)
        {
            Append(query, "collections", collection);
        }

        foreach (var did in filters.Dids)
        {
            Append(query, "dids", did);
        }

        if (cursor is { } c)
        {
            Append(query, "cursor", c.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (compression.DictionaryId is { } id)
        {
            Append(query, "zstdDictionary", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new WireRequest(new Uri($"{endpoint}?{query}"), null);
    }

    public string? FiltersUpdate(WireFilters filters) => null;

    public WireFrame Read(ReadOnlyMemory<byte> frame, WebSocketMessageType type)
    {
        if (type != WebSocketMessageType.Text)
        {
            return WireFrame.Bad("unexpected binary frame", frame);
        }

        _converted.ResetWrittenCount();
        return V2EventConverter.Convert(frame, _converted, _writer);
    }

    private static void Append(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
