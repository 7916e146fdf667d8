using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Emulator;

/// <summary>
/// A <c>subscribeEvents</c> connection's filter (PROTOCOL.md §3.1, [V2] filterv2.go): three independent axes ANDed —
/// <c>kinds</c>, <c>dids</c> (every kind) and <c>collections</c> (commits only) — plus <c>maxMessageSizeBytes</c> on
/// the uncompressed frame. Validation is strict, unlike v1: limits count the raw values, a wildcard's head must be
/// an NSID prefix, and the v1 parameter names are refused naming their replacement. Error texts are [V2]'s.
/// </summary>
internal sealed class V2Filter
{
    private const string Invalid = "subscribe: invalid options";
    private static readonly string[] KindNames = ["commit", "identity", "account", "sync"];

    private readonly HashSet<string>? _kinds;
    private readonly HashSet<string>? _dids;
    private readonly HashSet<string>? _collections;
    private readonly string[] _prefixes;

    private V2Filter(HashSet<string>? kinds, HashSet<string>? dids, HashSet<string>? collections, string[] prefixes, uint maxMessageSizeBytes)
    {
        _kinds = kinds;
        _dids = dids;
        _collections = collections;
        _prefixes = prefixes;
        MaxMessageSizeBytes = maxMessageSizeBytes;
    }

    public uint MaxMessageSizeBytes { get; }

    /// <summary>Returns null and [V2]'s InvalidRequest message when the query is refused.</summary>
    public static V2Filter? TryParse(IQueryCollection query, out string? error)
    {
        error = Check(query);
        if (error is not null)
        {
            return null;
        }

        var kinds = query["kinds"].Count > 0 ? new HashSet<string>(query["kinds"]!, StringComparer.Ordinal) : null;
        var dids = query["dids"].Count > 0 ? new HashSet<string>(query["dids"]!, StringComparer.Ordinal) : null;
        HashSet<string>? collections = null;
        var prefixes = new List<string>();
        foreach (var wanted in query["collections"])
        {
            if (wanted!.EndsWith(".*", StringComparison.Ordinal))
            {
                prefixes.Add(wanted[..^1]);
            }
            else
            {
                (collections ??= new HashSet<string>(StringComparer.Ordinal)).Add(wanted);
            }
        }

        // A non-null set turns the collection axis on, also when the filter is made of prefixes only.
        if (prefixes.Count > 0)
        {
            collections ??= new HashSet<string>(StringComparer.Ordinal);
        }

        var max = query["maxMessageSizeBytes"];
        return new V2Filter(kinds, dids, collections, [.. prefixes.Distinct()], max.Count == 0 ? 0 : uint.Parse(max[0]!, CultureInfo.InvariantCulture));
    }

    public bool Wants(LoggedEvent logged)
    {
        if (_kinds is not null && !_kinds.Contains(logged.Kind))
        {
            return false;
        }

        if (_dids is not null && !_dids.Contains(logged.Did))
        {
            return false;
        }

        if (_collections is null || logged.Kind != "commit" || string.IsNullOrEmpty(logged.Collection))
        {
            return true;
        }

        if (_collections.Contains(logged.Collection))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (logged.Collection.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string? Check(IQueryCollection query)
    {
        if (query.ContainsKey("wantedDids"))
        {
            return $"{Invalid}: wantedDids is the legacy /subscribe parameter; use dids";
        }

        if (query.ContainsKey("wantedCollections"))
        {
            return $"{Invalid}: wantedCollections is the legacy /subscribe parameter; use collections";
        }

        if (query.ContainsKey("requireHello"))
        {
            return $"{Invalid}: requireHello is not supported on this endpoint; it is server-push only (subscriber-sourced messages were removed)";
        }

        var kinds = query["kinds"];
        if (kinds.Count > KindNames.Length)
        {
            return $"{Invalid}: too many kinds values: {kinds.Count} > 4";
        }

        if (kinds.FirstOrDefault(k => !KindNames.Contains(k)) is { } unknown)
        {
            return $"{Invalid}: unknown kind \"{unknown}\" (valid: commit, identity, account, sync)";
        }

        var dids = query["dids"];
        if (dids.Count > SubscriberFilter.MaxWantedDids)
        {
            return $"{Invalid}: too many dids values: {dids.Count} > {SubscriberFilter.MaxWantedDids}";
        }

        var collections = query["collections"];
        if (collections.Count > SubscriberFilter.MaxWantedCollections)
        {
            return $"{Invalid}: too many collections values: {collections.Count} > {SubscriberFilter.MaxWantedCollections}";
        }

        if (dids.FirstOrDefault(d => !AtprotoSyntax.IsDid(d!)) is { } badDid)
        {
            return $"{Invalid}: invalid DID: {badDid}";
        }

        // [V2] checks every wildcard's head first (by parsing head + ".x" as an NSID), then the full names.
        if (collections.FirstOrDefault(c => c!.EndsWith(".*", StringComparison.Ordinal) && !AtprotoSyntax.IsNsid(c[..^2] + ".x")) is { } badWildcard)
        {
            return $"{Invalid}: invalid collection wildcard: {badWildcard}";
        }

        if (collections.FirstOrDefault(c => !c!.EndsWith(".*", StringComparison.Ordinal) && !AtprotoSyntax.IsNsid(c)) is { } badCollection)
        {
            return $"{Invalid}: invalid collection: {badCollection}";
        }

        if (collections.Count > 0 && kinds.Count > 0 && !kinds.Contains("commit"))
        {
            return $"{Invalid}: collections filter can never apply: kinds excludes commit";
        }

        var max = query["maxMessageSizeBytes"];
        if (max.Count > 0 && (max.Count != 1 || string.IsNullOrEmpty(max[0])))
        {
            return $"{Invalid}: maxMessageSizeBytes must be one unsigned 32-bit integer";
        }

        if (max.Count == 1 && !uint.TryParse(max[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return $"{Invalid}: invalid maxMessageSizeBytes \"{max[0]}\"";
        }

        return null;
    }
}
