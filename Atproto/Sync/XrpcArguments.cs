using System.Text.RegularExpressions;

namespace Jetstream.Atproto.Sync;

/// <summary>Checks of what goes into an XRPC URL, so a bad argument is an error before any request.</summary>
internal static partial class XrpcArguments
{
    public static bool IsDid(string? value) => value is { Length: <= 2048 } && DidPattern().IsMatch(value);

    public static void RequireDid(string did)
    {
        if (!IsDid(did))
        {
            throw new ArgumentException($"'{Shorten(did)}' is not a DID", nameof(did));
        }
    }

    public static void RequireNsid(string collection)
    {
        if (collection is not { Length: <= 317 } || !NsidPattern().IsMatch(collection))
        {
            throw new ArgumentException($"'{Shorten(collection)}' is not an NSID (e.g. app.bsky.feed.post)", nameof(collection));
        }
    }

    public static void RequireHttpUrl(Uri url, string name)
    {
        ArgumentNullException.ThrowIfNull(url, name);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"'{url}' is not an absolute http(s) URL", name);
        }
    }

    public static string Shorten(string? value) => value is null ? "(null)" : value.Length <= 64 ? value : value[..64] + "…";

    // The atproto DID syntax (https://atproto.com/specs/did).
    [GeneratedRegex("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")]
    private static partial Regex DidPattern();

    // The atproto NSID syntax (https://atproto.com/specs/nsid): reversed domain authority, then a name.
    [GeneratedRegex(@"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(\.[a-zA-Z]([a-zA-Z0-9]{0,62})?)$")]
    private static partial Regex NsidPattern();
}
