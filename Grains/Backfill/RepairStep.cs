namespace Jetstream.Grains.Backfill;

/// <summary>
/// One key of the merge of a repository with its repair index: what to send (<see cref="Change"/>, null for an
/// unchanged record or one outside the filter) and what the next index holds at that key (<see cref="Kept"/>, null for
/// a delete).
/// </summary>
internal readonly record struct RepairStep(RepairChange? Change, DeliveredRecord? Kept);
