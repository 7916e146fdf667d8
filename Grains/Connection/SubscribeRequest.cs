using System.Text;
using System.Text.Json;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The subscribe URL of PROTOCOL.md §2.1: repeated <c>wantedCollections</c> and <c>wantedDids</c>, and <c>cursor</c> in
/// unix microseconds. When the filters would make the URL longer than <see cref="MaxUrlLength"/> (thousands of DIDs), the
/// filters go instead in an <c>options_update</c> hello sent right after the handshake, with <c>requireHello=true</c> (§2.6).
/// </summary>
public sealed record SubscribeRequest(Uri Uri, string? Hello)
{
    public const int MaxUrlLength = 8 * 1024;

    /// <param name="compress">Ask for zstd (<c>compress=true</c>, §2.7).</param>
    public static SubscribeRequest Create(string endpoint, IReadOnlyList<string> collections, IReadOnlyList<string> dids, long? cursorUs, bool compress = false)
    {
        var filters = new StringBuilder();
        foreach (var collection in collections)
        {
            Append(filters, "wantedCollections", collection);
        }

        foreach (var did in dids)
        {
            Append(filters, "wantedDids", did);
        }

        var tail = new StringBuilder();
        if (compress)
        {
            Append(tail, "compress", "true");
        }

        if (cursorUs is { } cursor)
        {
            Append(tail, "cursor", cursor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (endpoint.Length + filters.Length + tail.Length + 1 <= MaxUrlLength)
        {
            if (filters.Length > 0 && tail.Length > 0)
            {
                filters.Append('&');
            }

            return new SubscribeRequest(Compose(endpoint, filters.Append(tail)), null);
        }

        Append(tail, "requireHello", "true");
        return new SubscribeRequest(Compose(endpoint, tail), OptionsUpdate(collections, dids));
    }

    /// <summary>The <c>options_update</c> frame that replaces both filters on an open socket (empty: that filter is off).</summary>
    public static string OptionsUpdate(IReadOnlyList<string> collections, IReadOnlyList<string> dids) =>
        JsonSerializer.Serialize(
            new OptionsUpdate(new OptionsUpdatePayload(collections.ToArray(), dids.ToArray())),
            SubscribeJsonContext.Default.OptionsUpdate);

    private static Uri Compose(string endpoint, StringBuilder query) =>
        new(query.Length == 0 ? endpoint : $"{endpoint}?{query}");

    private static void Append(StringBuilder query, string name, string value)
    {
        if (query.Length > 0)
        {
            query.Append('&');
        }

        query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
    }
}
