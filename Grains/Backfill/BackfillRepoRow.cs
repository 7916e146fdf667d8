namespace Jetstream.Grains.Backfill;

/// <summary>One repository of a run as <see cref="BackfillRepoTable"/> keeps it. <see cref="Host"/> null: not resolved yet.
/// <see cref="Rev"/>: the snapshot's, once done (what the seam's hand-over drops held commits up to).</summary>
internal sealed record BackfillRepoRow(string Did, string State, string? Host, int Attempts, string? Reason, long Records, long Bytes, string? Rev = null)
{
    public const string Pending = "pending";
    public const string Done = "done";
    public const string Skipped = "skipped";
    public const string Failed = "failed";

    public bool IsFinished => State != Pending;
}
