using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// Checks Standard Webhooks signatures the way an independent receiver would: HMAC-SHA256, keyed with the base64 part
/// of a <c>whsec_</c> secret, over <c>{webhook-id}.{webhook-timestamp}.{body}</c>, compared in constant time with each
/// <c>v1,</c> entry of the space-separated <c>webhook-signature</c> header; the timestamp must be recent.
/// </summary>
public sealed class SignatureVerifier
{
    private const string SecretPrefix = "whsec_";

    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;

    /// <param name="secrets">One or more <c>whsec_</c> secrets separated by spaces (any of them may have signed).</param>
    public SignatureVerifier(string secrets, TimeSpan tolerance)
    {
        _keys = secrets.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.StartsWith(SecretPrefix, StringComparison.Ordinal)
                ? Convert.FromBase64String(s[SecretPrefix.Length..])
                : throw new ArgumentException($"A secret must start with '{SecretPrefix}'.", nameof(secrets)))
            .ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("No secret given.", nameof(secrets));
        }

        _tolerance = tolerance;
    }

    public bool Verify(string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(signatures)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > _tolerance.TotalSeconds)
        {
            return false;
        }

        var signedPrefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        Span<byte> expected = stackalloc byte[32];
        Span<byte> given = stackalloc byte[32];
        foreach (var key in _keys)
        {
            using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hmac.AppendData(signedPrefix);
            hmac.AppendData(body);
            hmac.GetHashAndReset(expected);
            foreach (var entry in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (entry.StartsWith("v1,", StringComparison.Ordinal)
                    && Convert.TryFromBase64String(entry[3..], given, out var written)
                    && written == 32
                    && CryptographicOperations.FixedTimeEquals(expected, given))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
