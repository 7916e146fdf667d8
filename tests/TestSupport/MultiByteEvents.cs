using System.Text;

namespace Jetstream.TestSupport;

/// <summary>
/// Jetstream v1 commit events whose text is nothing but multi-byte UTF-8 characters, for byte-fidelity tests: wherever
/// a stage cuts the bytes (a receive, a fragment, a buffer, a TCP segment), the cut most likely falls inside a character,
/// and <see cref="InsideCharacter"/> finds an offset where it surely does.
/// </summary>
public static class MultiByteEvents
{
    /// <summary>
    /// A 2-, a 3- and a 4-byte character (é, the em-dash of the report in issue 12, 😀): 9 bytes, so boundaries a
    /// constant distance apart move through every offset within each of them.
    /// </summary>
    public const string Pattern = "é—😀";

    /// <summary>A commit of about <paramref name="bytes"/> bytes (never fewer), its record text made of <see cref="Pattern"/>.</summary>
    public static byte[] Commit(string did, long timeUs, int seq, int bytes, string collection = "work.doing.task")
    {
        var head = $$"""{"did":"{{did}}","time_us":{{timeUs}},"kind":"commit","commit":{"rev":"3l{{seq:D10}}","operation":"create","collection":"{{collection}}","rkey":"k{{seq:D10}}","record":{"$type":"{{collection}}","text":""" + "\"";
        const string tail = "\"}}}";
        var text = new StringBuilder();
        var fixedBytes = Encoding.UTF8.GetByteCount(head) + Encoding.UTF8.GetByteCount(tail);
        for (var size = fixedBytes; size < bytes; size += Encoding.UTF8.GetByteCount(Pattern))
        {
            text.Append(Pattern);
        }

        return Encoding.UTF8.GetBytes(head + text + tail);
    }

    /// <summary>The first offset at or after <paramref name="offset"/> that is inside a multi-byte character (a continuation byte).</summary>
    public static int InsideCharacter(ReadOnlySpan<byte> utf8, int offset)
    {
        for (var i = offset; i < utf8.Length; i++)
        {
            if ((utf8[i] & 0xC0) == 0x80)
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(offset), $"No multi-byte character at or after byte {offset}.");
    }

    /// <summary>Null when equal, else where and how <paramref name="actual"/> first differs from <paramref name="expected"/>.</summary>
    public static string? Difference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        var common = expected.CommonPrefixLength(actual);
        if (common == expected.Length && common == actual.Length)
        {
            return null;
        }

        static string Hex(ReadOnlySpan<byte> bytes, int at) => Convert.ToHexString(bytes.Slice(at, Math.Min(12, bytes.Length - at)));
        return $"{actual.Length} bytes instead of {expected.Length}, first difference at byte {common}: expected {Hex(expected, common)}…, got {Hex(actual, common)}…";
    }
}
