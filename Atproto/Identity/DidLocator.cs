using System.Text.RegularExpressions;

namespace Jetstream.Atproto.Identity;

/// <summary>Where a DID's document lives, after checking the DID strictly: it becomes part of a URL.</summary>
internal static partial class DidLocator
{
    private const string WellKnown = "/.well-known/did.json";

    public static Uri Locate(string did, Uri plcUrl)
    {
        ArgumentNullException.ThrowIfNull(did);
        if (did.Length > 2048)
        {
            throw new UnsupportedDidException(did[..64] + "…", "is too long to be a DID");
        }

        if (did.StartsWith("did:plc:", StringComparison.Ordinal))
        {
            return PlcPattern().IsMatch(did)
                ? new Uri(plcUrl, plcUrl.AbsolutePath.TrimEnd('/') + "/" + did)
                : throw new UnsupportedDidException(did, "is not a valid did:plc (24 characters of a-z and 2-7 after 'did:plc:')");
        }

        if (did.StartsWith("did:web:", StringComparison.Ordinal))
        {
            return LocateWeb(did);
        }

        throw new UnsupportedDidException(did, "is not a did:plc or did:web, the two DID methods atproto supports");
    }

    private static Uri LocateWeb(string did)
    {
        var identifier = did["did:web:".Length..];
        // atproto allows hostname did:web only: a further ':' would be a path, which atproto does not resolve.
        if (identifier.Contains(':', StringComparison.Ordinal))
        {
            throw new UnsupportedDidException(did, "is a did:web with a path; atproto supports only hostname did:web");
        }

        var host = Uri.UnescapeDataString(identifier);
        if (!WebHostPattern().IsMatch(host))
        {
            throw new UnsupportedDidException(did, "does not name a valid host for did:web");
        }

        // As @atproto/identity does: plain http for localhost only (development); https everywhere else.
        var scheme = host == "localhost" || host.StartsWith("localhost:", StringComparison.Ordinal) ? "http" : "https";
        return new Uri($"{scheme}://{host}{WellKnown}");
    }

    [GeneratedRegex("^did:plc:[a-z2-7]{24}$")]
    private static partial Regex PlcPattern();

    // A DNS name (labels of letters, digits and hyphens) with an optional port, which did:web writes as %3A.
    [GeneratedRegex(@"^(?=.{1,253}(:|$))([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*(:[0-9]{1,5})?$")]
    private static partial Regex WebHostPattern();
}
