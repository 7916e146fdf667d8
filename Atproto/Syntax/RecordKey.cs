namespace Jetstream.Atproto.Syntax;

/// <summary>The key of a record within its collection (a TID, "self", or any 1–512 of <c>A-Za-z0-9._:~-</c>, not "." or "..").</summary>
public sealed record RecordKey
{
    private const int MaxLength = 512;

    private RecordKey(string value) => Value = value;

    public string Value { get; }

    public static RecordKey Parse(string value) =>
        TryParse(value, out var key) ? key : throw new AtprotoException($"'{Did.Shorten(value)}' is not a valid record key");

    public static bool TryParse(string? value, out RecordKey key)
    {
        key = null!;
        if (!IsValid(value))
        {
            return false;
        }
        key = new RecordKey(value!);
        return true;
    }

    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.Length is 0 or > MaxLength || value is "." || value is "..")
        {
            return false;
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '~'))
            {
                return false;
            }
        }
        return true;
    }

    public override string ToString() => Value;
}
