using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Jetstream.Api.Auth;

/// <summary>Checks presented credentials against <c>Api:AdminToken</c> in constant time.</summary>
public sealed class AdminTokenValidator(IOptionsMonitor<ApiOptions> options)
{
    public const string Realm = "jetstream-api";

    public bool IsConfigured => options.CurrentValue.AdminTokenConfigured;

    public bool Matches(string presented)
    {
        var expected = options.CurrentValue.AdminToken;
        if (string.IsNullOrEmpty(expected))
        {
            return false;
        }

        // Hashing both sides first gives equal lengths, so the comparison time reveals neither the length nor a prefix.
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        return CryptographicOperations.FixedTimeEquals(expectedHash, presentedHash);
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request) => Credential(request, "Bearer");

    /// <summary>The password of an <c>Authorization: Basic …</c> header (the user name is ignored), or null.</summary>
    public static string? BasicPassword(HttpRequest request)
    {
        var encoded = Credential(request, "Basic");
        if (encoded is null)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Credential(HttpRequest request, string scheme)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length <= scheme.Length + 1
            || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            || header[scheme.Length] != ' ')
        {
            return null;
        }

        var value = header[(scheme.Length + 1)..].Trim();
        return value.Length == 0 ? null : value;
    }
}
