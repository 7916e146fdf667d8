using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// Standard Webhooks signatures: <c>v1,</c> + base64 HMAC-SHA256, keyed with the base64-decoded part of a
/// <c>whsec_</c> secret, over <c>{webhook-id}.{webhook-timestamp}.{body}</c>. Several secrets give several
/// space-separated signatures, so a receiver can rotate its secret without a gap.
/// </summary>
public sealed class WebhookSigner
{
    public const string SecretPrefix = "whsec_";

    private readonly byte[][] _keys;

    public WebhookSigner(IOptions<WebhookOptions> options)
        : this(options.Value.Secret)
    {
    }

    public WebhookSigner(string? secrets)
    {
        if (!TryParseSecrets(secrets, out _keys, out var error))
        {
            throw new ArgumentException(error, nameof(secrets));
        }
    }

    /// <summary>False when no secret is configured: requests then carry no <c>webhook-signature</c>.</summary>
    public bool IsEnabled => _keys.Length > 0;

    /// <summary>The <c>webhook-signature</c> header value for one request.</summary>
    public string Sign(string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var signatures = new string[_keys.Length];
        for (var i = 0; i < _keys.Length; i++)
        {
            signatures[i] = SignWithKey(_keys[i], id, timestamp, body);
        }

        return string.Join(' ', signatures);
    }

    /// <summary>Splits space-separated <c>whsec_</c> secrets into HMAC keys; empty or null gives no keys.</summary>
    public static bool TryParseSecrets(string? secrets, out byte[][] keys, out string? error)
    {
        var parts = (secrets ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        keys = new byte[parts.Length][];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var key = part.StartsWith(SecretPrefix, StringComparison.Ordinal) ? TryDecode(part[SecretPrefix.Length..]) : null;
            if (key is not { Length: > 0 })
            {
                keys = [];
                error = $"secret {i + 1} is not '{SecretPrefix}' followed by base64 (secrets are separated by spaces).";
                return false;
            }

            keys[i] = key;
        }

        error = null;
        return true;
    }

    private static byte[]? TryDecode(string base64)
    {
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var written) ? buffer[..written] : null;
    }

    private static string SignWithKey(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        var prefixLength = Encoding.UTF8.GetMaxByteCount(id.Length) + 22;
        var prefix = prefixLength <= 512 ? stackalloc byte[prefixLength] : new byte[prefixLength];
        var written = Encoding.UTF8.GetBytes(id, prefix);
        prefix[written++] = (byte)'.';
        timestamp.TryFormat(prefix[written..], out var digits, provider: CultureInfo.InvariantCulture);
        written += digits;
        prefix[written++] = (byte)'.';
        hmac.AppendData(prefix[..written]);
        hmac.AppendData(body);
        Span<byte> hash = stackalloc byte[32];
        hmac.GetHashAndReset(hash);
        return "v1," + Convert.ToBase64String(hash);
    }
}
