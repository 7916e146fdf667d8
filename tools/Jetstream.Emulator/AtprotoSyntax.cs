using System.Text.RegularExpressions;

namespace Jetstream.Emulator;

/// <summary>
/// The two syntax checks the legacy server applies to filters: indigo's <c>syntax.ParseNSID</c> and
/// <c>syntax.ParseDID</c> (PROTOCOL.md §2.1). Written out here rather than shared with the consumer so that the
/// emulator stays an independent reference the consumer's own validation is tested against.
/// </summary>
internal static partial class AtprotoSyntax
{
    public static bool IsNsid(string value) => value.Length is > 0 and <= 317 && NsidRegex().IsMatch(value);

    public static bool IsDid(string value) => value.Length is > 0 and <= 2048 && DidRegex().IsMatch(value);

    [GeneratedRegex(@"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+(\.[a-zA-Z]([a-zA-Z0-9]{0,62})?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex NsidRegex();

    [GeneratedRegex(@"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]\z", RegexOptions.CultureInvariant)]
    private static partial Regex DidRegex();
}
