using System.Text.RegularExpressions;

namespace Jetstream.Grains.Interfaces.Events;

/// <summary>
/// The filter rules the Jetstream server applies before it accepts a subscription (PROTOCOL.md §2.1-2.2): NSIDs or
/// <c>prefix.*</c>, at most 100 collections, DIDs, at most 10,000 distinct. One set of rules for the silo's settings and
/// the Api's requests, each naming its fields its own way.
/// </summary>
public static partial class FilterRules
{
    public const int MaxCollections = 100;
    public const int MaxDids = 10_000;

    /// <param name="collectionsField">How the collections are named, e.g. <c>Jetstream:WantedCollections</c>.</param>
    /// <param name="element">Names one entry of a list field: (field, index) → name.</param>
    public static IEnumerable<(string Field, string Message)> Check(
        IReadOnlyList<string> collections, string collectionsField,
        IReadOnlyList<string> dids, string didsField,
        Func<string, int, string> element)
    {
        for (var i = 0; i < collections.Count; i++)
        {
            if (!CollectionFilter.IsValidPattern(collections[i] ?? string.Empty, out var reason))
            {
                yield return (element(collectionsField, i), reason!);
            }
        }

        if (collections.Count > MaxCollections)
        {
            yield return (collectionsField, $"{collections.Count} entries; Jetstream accepts at most {MaxCollections}.");
        }

        for (var i = 0; i < dids.Count; i++)
        {
            if (!IsDid(dids[i]))
            {
                yield return (element(didsField, i), $"'{dids[i]}' is not a DID (did:method:identifier).");
            }
        }

        if (dids.Distinct(StringComparer.Ordinal).Count() > MaxDids)
        {
            yield return (didsField, $"more than {MaxDids} distinct DIDs, the server's limit.");
        }
    }

    /// <summary>
    /// The v2 <c>subscribeEvents</c> rules (PROTOCOL.md §3.1, §2.2): the same as <see cref="Check"/>, and a prefix's head
    /// must itself start a valid NSID (<c>foo_bar.*</c> is refused there), and the DID limit counts raw entries.
    /// </summary>
    public static IEnumerable<(string Field, string Message)> CheckSubscribeEvents(
        IReadOnlyList<string> collections, string collectionsField,
        IReadOnlyList<string> dids, string didsField,
        Func<string, int, string> element)
    {
        foreach (var failure in Check(collections, collectionsField, dids, didsField, element))
        {
            yield return failure;
        }

        for (var i = 0; i < collections.Count; i++)
        {
            var pattern = collections[i] ?? string.Empty;
            if (pattern.EndsWith(".*", StringComparison.Ordinal) && !Nsid.IsValid(pattern[..^2] + ".x"))
            {
                yield return (element(collectionsField, i), $"'{pattern}': on the v2 wire the part before '.*' must begin a valid NSID (e.g. app.bsky.*).");
            }
        }

        if (dids.Count > MaxDids && dids.Distinct(StringComparer.Ordinal).Count() <= MaxDids)
        {
            yield return (didsField, $"{dids.Count} entries; the v2 wire counts duplicates too and accepts at most {MaxDids}.");
        }
    }

    public static bool IsDid(string? value) => value is { Length: <= 2048 } && DidPattern().IsMatch(value);

    // atproto DID syntax: "did:" method ":" identifier, at most 2 KiB.
    [GeneratedRegex("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")]
    private static partial Regex DidPattern();
}
