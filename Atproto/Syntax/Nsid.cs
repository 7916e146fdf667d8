using System.Text.RegularExpressions;

namespace Jetstream.Atproto.Syntax;

/// <summary>A namespaced identifier naming a collection or method (<c>app.bsky.feed.post</c>), checked once.</summary>
public sealed partial record Nsid
{
    private const int MaxLength = 317;

    private Nsid(string value) => Value = value;

    public string Value { get; }

    public static Nsid Parse(string value) =>
        TryParse(value, out var nsid) ? nsid : throw new AtprotoException($"'{Did.Shorten(value)}' is not a valid NSID (e.g. app.bsky.feed.post)");

    public static bool TryParse(string? value, out Nsid nsid)
    {
        nsid = null!;
        if (!IsValid(value))
        {
            return false;
        }
        nsid = new Nsid(value!);
        return true;
    }

    /// <summary>Checks without allocating: the MST walk asks this of every key it meets.</summary>
    public static bool IsValid(ReadOnlySpan<char> value) => value.Length is > 0 and <= MaxLength && Pattern().IsMatch(value);

    public override string ToString() => Value;

    [GeneratedRegex(@"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(\.[a-zA-Z]([a-zA-Z0-9]{0,62})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
