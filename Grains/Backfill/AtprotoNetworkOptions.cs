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

    /// <summary>
    /// The longest <c>Retry-After</c> (or <c>RateLimit-Reset</c>) of a 429 that is honoured: a relay or PDS asking for
    /// more waits this long (a host parked for a day would hold its repositories, and the job, for a day).
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int MaxRetryAfterSeconds { get; set; } = 600;
}
