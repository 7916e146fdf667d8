namespace Jetstream.Atproto.Syntax;

/// <summary>
/// A timestamp identifier: 13 characters of base32-sortable encoding a 53-bit µs timestamp and a 10-bit clock id.
/// Repository revisions are TIDs, and they compare as strings (the encoding is chosen so string order is time order).
/// </summary>
public sealed record Tid : IComparable<Tid>
{
    private const string Alphabet = "234567abcdefghijklmnopqrstuvwxyz";
    private const int Length = 13;
    private static readonly Lock Gate = new();
    private static readonly ulong ClockId = (ulong)Random.Shared.Next(1024);
    private static ulong _last;

    private Tid(string value) => Value = value;

    public string Value { get; }

    /// <summary>Microseconds since the Unix epoch.</summary>
    public long TimestampMicroseconds => (long)(Decode(Value) >> 10);

    public static Tid Parse(string value) =>
        TryParse(value, out var tid) ? tid : throw new AtprotoException($"'{Did.Shorten(value)}' is not a valid TID (13 characters of base32-sortable)");

    public static bool TryParse(string? value, out Tid tid)
    {
        tid = null!;
        if (value is null || value.Length != Length || Alphabet.IndexOf(value[0]) is < 0 or >= 16)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (Alphabet.IndexOf(c) < 0)
            {
                return false;
            }
        }
        tid = new Tid(value);
        return true;
    }

    /// <summary>
    /// A new TID for the current time of <paramref name="time"/>, strictly greater than every TID this process made
    /// before: a writer's revisions must increase even when the clock stands still or steps back.
    /// </summary>
    public static Tid Next(TimeProvider time)
    {
        var micros = (ulong)(time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        var candidate = (micros << 10) | ClockId;
        lock (Gate)
        {
            if (candidate <= _last)
            {
                candidate = _last + 1;
            }
            _last = candidate;
        }
        return FromInteger(candidate);
    }

    /// <summary>The TID of a µs timestamp and clock id, for tests and emulators that need a revision at a given time.</summary>
    public static Tid FromTime(DateTimeOffset time, int clockId = 0) =>
        FromInteger(((ulong)(time - DateTimeOffset.UnixEpoch).Ticks / 10 << 10) | ((ulong)clockId & 0x3FF));

    public int CompareTo(Tid? other) => other is null ? 1 : string.CompareOrdinal(Value, other.Value);

    public override string ToString() => Value;

    private static Tid FromInteger(ulong value)
    {
        Span<char> chars = stackalloc char[Length];
        for (var i = Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new Tid(new string(chars));
    }

    private static ulong Decode(string value)
    {
        ulong result = 0;
        foreach (var c in value)
        {
            result = (result << 5) | (uint)Alphabet.IndexOf(c);
        }
        return result;
    }
}
