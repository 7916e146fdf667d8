namespace Jetstream.Grains.Backfill;

/// <summary>What one repository's attempt queued, per operation: counted as it goes, reported once it is shown.</summary>
internal sealed class RepairCounts
{
    private long _creates;
    private long _updates;
    private long _deletes;

    public long Total => _creates + _updates + _deletes;

    public void Add(string operation)
    {
        switch (operation)
        {
            case RepairChange.Create:
                _creates++;
                break;
            case RepairChange.Update:
                _updates++;
                break;
            default:
                _deletes++;
                break;
        }
    }

    public void Report(BackfillMetrics metrics)
    {
        foreach (var (operation, count) in new[] { (RepairChange.Create, _creates), (RepairChange.Update, _updates), (RepairChange.Delete, _deletes) })
        {
            if (count > 0)
            {
                metrics.Queued(operation, count);
            }
        }
    }
}
