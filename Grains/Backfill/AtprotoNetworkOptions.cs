namespace Jetstream.Grains.Backfill;

/// <summary><c>Atproto:*</c>: where a backfill asks the network, and whether outside URLs may name private addresses.</summary>
public sealed class AtprotoNetworkOptions
{
    public const string SectionName = "Atproto";

    /// <summary>The relay whose <c>listReposByCollection</c> finds repositories.</summary>
    public string RelayUrl { get; set; } = "https://relay1.us-east.bsky.network";

    /// <summary>The PLC directory that resolves <c>did:plc</c>.</summary>
    public string PlcUrl { get; set; } = "https://plc.directory";

    /// <summary>Let URLs from the relay, DID documents and the PLC name loopback or private addresses (tests, a dev network).</summary>
    public bool AllowPrivateNetworks { get; set; }
}
