using System.Globalization;

namespace Jetstream.Emulator;

/// <summary>
/// The v2 server's <c>/subscribe</c> keeps the v1 shape and adds the event's seq as <c>"cursor"</c> right after
/// <c>time_us</c>, the field order of its encoder (PROTOCOL.md §3.2; [V2] cmd/compare/main_test.go shows
/// <c>{"did":…,"time_us":…,"cursor":469083,"kind":…}</c>).
/// </summary>
internal static class V1CursorField
{
    private static readonly byte[] Name = ",\"cursor\":"u8.ToArray();

    public static byte[] Insert(byte[] utf8, int at, long seq)
    {
        Span<byte> number = stackalloc byte[20];
        seq.TryFormat(number, out var digits, provider: CultureInfo.InvariantCulture);
        var result = new byte[utf8.Length + Name.Length + digits];
        utf8.AsSpan(0, at).CopyTo(result);
        Name.CopyTo(result.AsSpan(at));
        number[..digits].CopyTo(result.AsSpan(at + Name.Length));
        utf8.AsSpan(at).CopyTo(result.AsSpan(at + Name.Length + digits));
        return result;
    }
}
