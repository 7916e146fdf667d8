using System.Security.Cryptography;

namespace Jetstream.Atproto.Mst;

/// <summary>The two small formulas of the Merkle Search Tree: a key's height and the prefix two keys share.</summary>
public static class MstKey
{
    /// <summary>Longest key the tree holds (atproto's repository path limit).</summary>
    public const int MaxLength = 1024;

    /// <summary>Leading zero bits of SHA-256(key), counted two at a time: fanout 4, height 0 at the bottom.</summary>
    public static int Height(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key, hash);
        var height = 0;
        foreach (var b in hash)
        {
            if (b == 0)
            {
                height += 4;
                continue;
            }
            height += (System.Numerics.BitOperations.LeadingZeroCount((uint)b) - 24) / 2;
            break;
        }
        return height;
    }

    public static int CommonPrefixLength(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) => left.CommonPrefixLength(right);
}
