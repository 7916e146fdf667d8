using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// <c>GET /xrpc/network.bsky.jetstream.getZstdDictionary[?id=N]</c> (PROTOCOL.md §3.3, [V2] getzstddictionary.go):
/// the current v2 dictionary, raw, immutable for its id; any other id (retired or unknown) is 404 DictionaryNotFound.
/// </summary>
internal static class ZstdDictionaryEndpoint
{
    public const string Path = "/xrpc/network.bsky.jetstream.getZstdDictionary";

    public static async Task HandleAsync(HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries)
    {
        var current = hub.Options.GetZstdDictionaryId ?? hub.Options.V2DictionaryId;
        var rawId = context.Request.Query["id"];
        if (rawId.Count > 0)
        {
            if (!long.TryParse(rawId[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                await XrpcError.WriteAsync(context, StatusCodes.Status400BadRequest, "InvalidRequest", "id must be an integer zstd dictionary ID");
                return;
            }

            if (id != current)
            {
                await XrpcError.WriteAsync(context, StatusCodes.Status404NotFound, "DictionaryNotFound", $"no dictionary with id {id}; current dictionary id is {current}");
                return;
            }
        }

        if (dictionaries.Find(current) is not { } dictionary)
        {
            await XrpcError.WriteAsync(context, StatusCodes.Status404NotFound, "DictionaryNotFound", dictionaries.Missing(current));
            return;
        }

        var etag = $"\"zstd-dict-{dictionary.Id}\"";
        var headers = context.Response.Headers;
        headers.ETag = etag;
        // Immutable for a given id; [V2] lets caches keep it a year.
        headers.CacheControl = "public, max-age=31536000, immutable";
        headers["X-Zstd-Dictionary-Id"] = dictionary.Id.ToString(CultureInfo.InvariantCulture);
        if (context.Request.Headers.IfNoneMatch.Contains(etag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = dictionary.Bytes.Length;
        await context.Response.Body.WriteAsync(dictionary.Bytes);
    }
}
