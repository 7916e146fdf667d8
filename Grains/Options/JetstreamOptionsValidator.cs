using Jetstream.Grains.Connection;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Options;

/// <summary>
/// Rejects settings the server would reject (PROTOCOL.md §2.1-2.2) or that cannot work, naming the setting,
/// so a wrong value stops the host at start instead of producing a retry loop.
/// </summary>
public sealed class JetstreamOptionsValidator : IValidateOptions<JetstreamOptions>
{
    public const int MaxCollections = FilterRules.MaxCollections;
    public const int MaxDids = FilterRules.MaxDids;

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
                else if (JetstreamPaths.WireOf(uri) is null)
                {
                    failures.Add($"Jetstream:Endpoints:{i} ('{endpoint}'): the path '{uri.AbsolutePath}' is not a Jetstream endpoint; use {JetstreamPaths.Describe}.");
                }
            }
        }

        var collections = options.WantedCollections ?? [];
        if (options.AllCollections && collections.Length > 0)
        {
            failures.Add("Jetstream:AllCollections is true but Jetstream:WantedCollections is set too: choose one.");
        }

        // Each wire in use checks the filters by its own rules (PROTOCOL.md §2.1, §3.1), once per wire.
        var filters = new WireFilters(collections, options.WantedDids ?? [], false, false);
        foreach (var wire in (options.Endpoints ?? []).Select(JetstreamWires.Create).OfType<IJetstreamWire>().DistinctBy(w => w.Name))
        {
            failures.AddRange(wire.Validate(filters, JetstreamOptions.SectionName).Where(f => !failures.Contains(f)));
        }

        if (options.MaxBackoffMs < options.InitialBackoffMs)
        {
            failures.Add("Jetstream:MaxBackoffMs must be at least Jetstream:InitialBackoffMs.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
