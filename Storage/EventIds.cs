using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Jetstream.Storage;

/// <summary>
/// Deterministic event identifiers. The same commit (did, collection, rkey, rev, operation) always gets the same id,
/// whichever Jetstream instance delivered it and however often, so downstream duplicates are recognisable.
/// </summary>
public static class EventIds
{
    public const string Prefix = "evt_";

    // One SHA-256 context per thread, reset by each hash: the one-shot SHA256.HashData sets up and frees an OpenSSL
    // context on every call, which for an id's hundred bytes costs more than the hashing (docs/cpu-per-event.md).
    [ThreadStatic]
    private static IncrementalHash? t_sha256;

    /// <summary><c>evt_</c> followed by the first 16 bytes of SHA-256 over the five fields joined by '\n', in lowercase hex.</summary>
    public static string ForCommit(string did, string collection, string rkey, string rev, string operation)
    {
        var length = did.Length + collection.Length + rkey.Length + rev.Length + operation.Length + 4;
        var maxBytes = Encoding.UTF8.GetMaxByteCount(length);
        var rented = maxBytes > 1024 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        var buffer = rented ?? stackalloc byte[maxBytes];
        try
        {
            var written = 0;
            written += Append(buffer[written..], did, false);
            written += Append(buffer[written..], collection, true);
            written += Append(buffer[written..], rkey, true);
            written += Append(buffer[written..], rev, true);
            written += Append(buffer[written..], operation, true);

            Span<byte> hash = stackalloc byte[32];
            var sha256 = t_sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha256.AppendData(buffer[..written]);
            sha256.GetHashAndReset(hash);
            Span<char> chars = stackalloc char[Prefix.Length + 32];
            Prefix.AsSpan().CopyTo(chars);
            Convert.TryToHexStringLower(hash[..16], chars[Prefix.Length..], out _);
            return new string(chars);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// <c>evt_</c> and 32 hex digits of SHA-256 over the DID, the kind and the relay's identity or account object as
    /// Jetstream sent it (the same bytes on every instance, unlike <c>time_us</c>), so a replay keeps the id.
    /// </summary>
    public static string ForAccountOrIdentity(string did, string kind, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(did + "\n" + kind + "\n"));
        hash.AppendData(body);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Prefix + Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>
    /// The id of a backfilled record version: <c>evt_</c> and 32 hex digits of SHA-256 over the subscription, DID,
    /// collection, rkey and CID (and <c>delete</c> for a deletion, whose CID is the version deleted), so the same record
    /// version always has the same id, and no live commit's id (whose fields are five, not six) can equal it.
    /// </summary>
    public static string ForBackfill(string subscriptionId, string did, string collection, string rkey, string cid, bool delete)
    {
        var text = "backfill\n" + subscriptionId + "\n" + did + "\n" + collection + "\n" + rkey + "\n" + cid + (delete ? "\ndelete" : string.Empty);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), digest);
        return Prefix + Convert.ToHexStringLower(digest[..16]);
    }

    private static int Append(Span<byte> destination, string value, bool separator)
    {
        var offset = 0;
        if (separator)
        {
            destination[0] = (byte)'\n';
            offset = 1;
        }

        return offset + Encoding.UTF8.GetBytes(value, destination[offset..]);
    }
}
