using System.ComponentModel.DataAnnotations;

namespace Jetstream.Grains.Backfill;

/// <summary><c>Backfill:*</c>: the limits and checks of every subscription's backfill (docs/backfill.md).</summary>
public sealed class BackfillOptions
{
    public const string SectionName = "Backfill";

    /// <summary>Repositories being fetched at once over the whole cluster (per subscription's job).</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentRepos { get; set; } = 32;

    /// <summary>Repositories being fetched at once from one PDS host.</summary>
    [Range(1, 1_000)]
    public int MaxConcurrentPerHost { get; set; } = 4;

    /// <summary>Attempts at a repository whose host fails before it ends <c>failed</c>.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Verify every block's hash, the commit's DID and signature, and the tree. Only a test or a trusted mirror turns it off.</summary>
    public bool Verify { get; set; } = true;

    /// <summary>First wait after a host failed; doubles per failure up to <see cref="MaxRetryDelayMs"/>.</summary>
    [Range(10, 600_000)]
    public int InitialRetryDelayMs { get; set; } = 2_000;

    [Range(10, 3_600_000)]
    public int MaxRetryDelayMs { get; set; } = 300_000;

    /// <summary>DIDs resolved at once by a job (PLC and did:web lookups).</summary>
    [Range(1, 256)]
    public int ResolveConcurrency { get; set; } = 8;

    /// <summary>Azure Table of each run's repositories and their outcome.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string RepoTable { get; set; } = "backfillrepos";

    /// <summary>
    /// Azure Table of what each subscription last delivered per repository (the repair index): a row per repository,
    /// holding the index itself when it is small (most repositories) or naming its blob in <see cref="DeliveredContainer"/>.
    /// </summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string DeliveredTable { get; set; } = "backfilldelivered";

    /// <summary>
    /// Blob container of the repair indexes too large for their row (a few hundred records and more): a block blob
    /// <c>{subscription}/{generation}/{did}/{attempt}</c> each.
    /// </summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$",
        ErrorMessage = "Backfill:DeliveredContainer must be 3-63 lowercase letters, digits and single hyphens.")]
    public string DeliveredContainer { get; set; } = "backfilldelivered";

    /// <summary>
    /// Azure Table of the live commits held while their repository is backfilled, and of the repositories under backfill
    /// per subscription (the processor's hot-path set, read again when it activates).
    /// </summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string HeldTable { get; set; } = "backfillheld";

    /// <summary>
    /// How long a repository's set row stays in <see cref="HeldTable"/> after its hand-over at a snapshot rev (marked
    /// releasing, with the rev), so a processor activated again after a silo's death still drops the commits the
    /// snapshot holds that it reads again (docs/backfill.md, "Commits read late"). As long as the processor remembers
    /// the rev in memory (10 minutes); tests shorten it.
    /// </summary>
    [Range(1, 3600)]
    public int HandedOverKeepSeconds { get; set; } = 600;

    /// <summary>
    /// A subscription created with <c>"backfill": true</c> whose backfill was not started this long after its creation
    /// (the Api died in between) has it started by its processor (docs/backfill.md, "Created with backfill: true").
    /// </summary>
    [Range(1, 3600)]
    public int FirstStartGraceSeconds { get; set; } = 30;

    /// <summary>How long a repository's messages stay invisible in the queue while it is read: they show once it verified.</summary>
    [Range(10, 7 * 24 * 3600)]
    public int HoldSeconds { get; set; } = 3600;
}
