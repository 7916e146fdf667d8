using System.ComponentModel.DataAnnotations;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// Settings of section <c>AtprotoEmulator</c>: the generated network (deterministic from <see cref="Seed"/>), where
/// it listens, and the faults it starts with. Checked at start; a bad one names the setting.
/// </summary>
public sealed class AtprotoEmulatorOptions : IValidatableObject
{
    public const string SectionName = "AtprotoEmulator";

    /// <summary>The address every listener binds (the PLC, relay and control listener; the PDS hosts unless <see cref="DistinctPdsAddresses"/>).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port of the PLC, relay and control listener; 0 = any free port.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Port of PDS host 0 (host i listens on this + i); 0 = any free port for each.</summary>
    [Range(0, 65535)]
    public int PdsBasePort { get; set; }

    /// <summary>PDS hosts; account i lives on host i mod this.</summary>
    [Range(1, 200)]
    public int PdsHosts { get; set; } = 1;

    /// <summary>
    /// Put PDS host i on 127.0.0.(i + 2) rather than <see cref="Address"/>, so a client that limits per host name
    /// (not per port) sees distinct hosts. Linux routes all of 127.0.0.0/8 to loopback.
    /// </summary>
    public bool DistinctPdsAddresses { get; set; }

    /// <summary>Everything generated (DIDs, keys, records) follows from it.</summary>
    public int Seed { get; set; } = 1;

    [Range(0, 10_000_000)]
    public int Accounts { get; set; } = 10;

    /// <summary>Records of <see cref="MatchingCollection"/> per account.</summary>
    [Range(0, 100_000_000)]
    public int MatchingRecords { get; set; } = 5;

    /// <summary>Records of <see cref="OtherCollections"/> per account, shared evenly among them.</summary>
    [Range(0, 100_000_000)]
    public int OtherRecords { get; set; } = 10;

    public string MatchingCollection { get; set; } = "app.bsky.feed.post";

    public string[] OtherCollections { get; set; } = ["app.bsky.feed.like", "app.bsky.graph.follow"];

    /// <summary><c>k256</c>, <c>p256</c> or <c>mixed</c> (even accounts k256, odd p256).</summary>
    public string Curves { get; set; } = "mixed";

    /// <summary>
    /// How DID documents carry the <c>#atproto</c> key: <c>multikey</c>, <c>legacy</c> (the
    /// <c>EcdsaSecp256…VerificationKey2019</c> form the reference PLC serves) or <c>mixed</c> (by account, every third legacy).
    /// </summary>
    public string KeyForm { get; set; } = "mixed";

    /// <summary>The generated repositories' commit time (their rev); generated record keys are TIDs a day before it.</summary>
    public DateTimeOffset Genesis { get; set; } = new(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A repository with more records than this is built once per revision into <see cref="CacheDirectory"/> and
    /// served from there; smaller ones are built in memory on each request.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int MemoryBuildMaxRecords { get; set; } = 20_000;

    /// <summary>
    /// Build every account's repository into <see cref="CacheDirectory"/> at start, in the background (progress at
    /// <c>GET /control/prebuild</c>), and serve all of them from there: for the bench, so it measures the client and
    /// not the emulator's building (about 10 ms of CPU for a repository of 220 records, 5 of them signing).
    /// </summary>
    public bool Prebuild { get; set; }

    /// <summary>Where large repositories' CARs are kept; unset = a new folder under the temp path, deleted at stop.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// Keep the built repositories in <see cref="CacheDirectory"/> after stop and serve them again at the next start
    /// (the bench: 10,000 repositories or one of a million records are built once). Only for a folder named after the
    /// settings the content follows from (seed, accounts, records, collections, curves, key form, genesis): the files
    /// are keyed by DID and revision alone.
    /// </summary>
    public bool KeepCache { get; set; }

    /// <summary>Faults in force from the start (more can be added through <c>POST /control/faults</c>).</summary>
    public List<FaultRule> Faults { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var prefix = SectionName + ":";
        if (!System.Net.IPAddress.TryParse(Address, out _))
        {
            yield return new($"{prefix}{nameof(Address)} '{Address}' is not an IP address", [nameof(Address)]);
        }
        if (!Nsid.TryParse(MatchingCollection, out _))
        {
            yield return new($"{prefix}{nameof(MatchingCollection)} '{MatchingCollection}' is not an NSID", [nameof(MatchingCollection)]);
        }
        if (OtherRecords > 0 && OtherCollections.Length == 0)
        {
            yield return new($"{prefix}{nameof(OtherCollections)} is empty but {nameof(OtherRecords)} is {OtherRecords}", [nameof(OtherCollections)]);
        }
        foreach (var collection in OtherCollections)
        {
            if (!Nsid.TryParse(collection, out _) || collection == MatchingCollection)
            {
                yield return new($"{prefix}{nameof(OtherCollections)} entry '{collection}' is not an NSID other than {nameof(MatchingCollection)}", [nameof(OtherCollections)]);
            }
        }
        if (Curves is not ("k256" or "p256" or "mixed"))
        {
            yield return new($"{prefix}{nameof(Curves)} '{Curves}' must be k256, p256 or mixed", [nameof(Curves)]);
        }
        if (KeyForm is not ("multikey" or "legacy" or "mixed"))
        {
            yield return new($"{prefix}{nameof(KeyForm)} '{KeyForm}' must be multikey, legacy or mixed", [nameof(KeyForm)]);
        }
        if (KeepCache && string.IsNullOrEmpty(CacheDirectory))
        {
            yield return new($"{prefix}{nameof(KeepCache)} needs {prefix}{nameof(CacheDirectory)}", [nameof(KeepCache)]);
        }
        if (DistinctPdsAddresses && PdsHosts > 200)
        {
            yield return new($"{prefix}{nameof(PdsHosts)} must be at most 200 with {nameof(DistinctPdsAddresses)}", [nameof(PdsHosts)]);
        }
        for (var i = 0; i < Faults.Count; i++)
        {
            if (Faults[i].Problem() is { } problem)
            {
                yield return new($"{prefix}{nameof(Faults)}:{i}: {problem}", [nameof(Faults)]);
            }
        }
    }
}
