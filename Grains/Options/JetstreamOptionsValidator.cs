using System.Text.RegularExpressions;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Options;

/// <summary>
/// Rejects settings the server would reject (PROTOCOL.md §2.1-2.2) or that cannot work, naming the setting,
/// so a wrong value stops the host at start instead of producing a retry loop.
/// </summary>
public sealed partial class JetstreamOptionsValidator : IValidateOptions<JetstreamOptions>
{
    public const int MaxCollections = 100;
    public const int MaxDids = 10_000;

    public ValidateOptionsResult Validate(string? name, JetstreamOptions options)
    {
        var failures = new List<string>();
        if (options.Endpoints is not { Length: > 0 })
        {
            failures.Add("Jetstream:Endpoints must list at least one ws:// or wss:// subscribe URL.");
        }
        else
        {
            for (var i = 0; i < options.Endpoints.Length; i++)
            {
                var endpoint = options.Endpoints[i];
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
                {
                    failures.Add($"Jetstream:Endpoints:{i} ('{endpoint}') is not an absolute ws:// or wss:// URL.");
                }
                else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                {
                    failures.Add($"Jetstream:Endpoints:{i} ('{endpoint}') must not carry a query or fragment: filters come from Jetstream:WantedCollections and Jetstream:WantedDids.");
                }
            }
        }

        var collections = options.WantedCollections ?? [];
        if (options.AllCollections && collections.Length > 0)
        {
            failures.Add("Jetstream:AllCollections is true but Jetstream:WantedCollections is set too: choose one.");
        }

        for (var i = 0; i < collections.Length; i++)
        {
            if (!CollectionFilter.IsValidPattern(collections[i], out var reason))
            {
                failures.Add($"Jetstream:WantedCollections:{i}: {reason}.");
            }
        }

        if (collections.Length > MaxCollections)
        {
            failures.Add($"Jetstream:WantedCollections has {collections.Length} entries; Jetstream accepts at most {MaxCollections}.");
        }

        var dids = options.WantedDids ?? [];
        for (var i = 0; i < dids.Length; i++)
        {
            if (!DidPattern().IsMatch(dids[i]))
            {
                failures.Add($"Jetstream:WantedDids:{i} ('{dids[i]}') is not a DID (did:method:identifier).");
            }
        }

        if (dids.Distinct(StringComparer.Ordinal).Count() > MaxDids)
        {
            failures.Add($"Jetstream:WantedDids has more than {MaxDids} distinct DIDs, the server's limit.");
        }

        if (options.MaxBackoffMs < options.InitialBackoffMs)
        {
            failures.Add("Jetstream:MaxBackoffMs must be at least Jetstream:InitialBackoffMs.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // atproto DID syntax: "did:" method ":" identifier, at most 2 KiB.
    [GeneratedRegex("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$")]
    private static partial Regex DidPattern();
}
