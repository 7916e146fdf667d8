using System.Text.Json;
using Jetstream.Atproto.Crypto;

namespace Jetstream.Atproto.Identity;

/// <summary>Reads the parts of a DID document atproto uses, as indigo's <c>identity.ParseIdentity</c> does.</summary>
internal static class DidDocumentReader
{
    public static DidDocument Read(ReadOnlySpan<byte> utf8Json, string expectedDid)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new InvalidDidDocumentException(expectedDid, $"is not valid JSON: {ex.Message}", ex);
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDidDocumentException(expectedDid, "is not a JSON object");
            }

            var id = String(root, "id");
            if (id != expectedDid)
            {
                throw new InvalidDidDocumentException(expectedDid, $"names another DID ('{Shorten(id ?? "(no id)")}')");
            }

            return new DidDocument(expectedDid, ReadPds(root, expectedDid), ReadKey(root, expectedDid), ReadHandles(root));
        }
    }

    private static Uri ReadPds(JsonElement root, string did)
    {
        var service = FindById(root, "service", "atproto_pds", did)
            ?? throw new InvalidDidDocumentException(did, "has no #atproto_pds service (the account has no PDS)");
        if (String(service, "type") != "AtprotoPersonalDataServer")
        {
            throw new InvalidDidDocumentException(did, $"has an #atproto_pds service of type '{Shorten(String(service, "type") ?? "")}', not AtprotoPersonalDataServer");
        }

        var endpoint = String(service, "serviceEndpoint");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
            || url.Host.Length == 0 || url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            throw new InvalidDidDocumentException(did, $"has a PDS endpoint '{Shorten(endpoint ?? "")}' that is not an http(s) URL with a host");
        }

        return url;
    }

    private static AtprotoPublicKey ReadKey(JsonElement root, string did)
    {
        var method = FindById(root, "verificationMethod", "atproto", did)
            ?? throw new InvalidDidDocumentException(did, "has no #atproto verification method (no repository signing key)");
        var type = String(method, "type") ?? "";
        var multibase = String(method, "publicKeyMultibase")
            ?? throw new InvalidDidDocumentException(did, "has an #atproto verification method without publicKeyMultibase");
        try
        {
            return type == "Multikey" ? AtprotoPublicKey.ParseMultikey(multibase) : AtprotoPublicKey.ParseLegacyMultibase(type, multibase);
        }
        catch (InvalidKeyException ex)
        {
            throw new InvalidDidDocumentException(did, $"has an unusable #atproto key: {ex.Message}", ex);
        }
    }

    private static List<string> ReadHandles(JsonElement root)
    {
        var handles = new List<string>();
        if (root.TryGetProperty("alsoKnownAs", out var aka) && aka.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in aka.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.String && entry.GetString() is { } value
                    && value.StartsWith("at://", StringComparison.Ordinal) && value.Length > 5)
                {
                    handles.Add(value[5..].ToLowerInvariant());
                }
            }
        }

        return handles;
    }

    // Ids are written either relative ("#atproto") or absolute ("did:plc:…#atproto"); both name the same entry.
    private static JsonElement? FindById(JsonElement root, string array, string fragment, string did)
    {
        if (!root.TryGetProperty(array, out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && String(entry, "id") is { } id
                && (id == "#" + fragment || id == did + "#" + fragment))
            {
                return entry;
            }
        }

        return null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
