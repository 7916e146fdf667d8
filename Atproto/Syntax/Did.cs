using System.Text.RegularExpressions;

namespace Jetstream.Atproto.Syntax;

/// <summary>A decentralized identifier (<c>did:plc:…</c>, <c>did:web:…</c>), checked against the atproto DID syntax once.</summary>
public sealed partial record Did
{
    private const int MaxLength = 2 * 1024;

    private Did(string value) => Value = value;

    public string Value { get; }

    /// <summary>The method, e.g. "plc" or "web".</summary>
    public string Method => Value[4..Value.IndexOf(':', 4)];

    public static Did Parse(string value) =>
        TryParse(value, out var did) ? did : throw new AtprotoException($"'{Shorten(value)}' is not a valid DID (did:<method>:<identifier>)");

    public static bool TryParse(string? value, out Did did)
    {
        did = null!;
        if (value is null || value.Length > MaxLength || !Pattern().IsMatch(value))
        {
            return false;
        }
        did = new Did(value);
        return true;
    }

    public override string ToString() => Value;

    internal static string Shorten(string? value) => value is null ? "(null)" : value.Length <= 80 ? value : value[..80] + "…";

    [GeneratedRegex("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
