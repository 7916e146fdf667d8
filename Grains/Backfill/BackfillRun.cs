using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// A job's in-memory picture of its run: every repository's row (loaded from <see cref="BackfillRepoTable"/> on
/// activation), the problems in the order they came, from which the status is made, and the lines its pending
/// repositories wait in: to be resolved, or for a slot on their host (<see cref="Scheduler"/>).
/// </summary>
internal sealed class BackfillRun(BackfillScheduler scheduler)
{
    public const int MaxProblems = 1000;

    private readonly Dictionary<string, BackfillRepoRow> _rows = new(StringComparer.Ordinal);
    private readonly List<BackfillProblem> _problems = [];

    // Pending repositories whose PDS is not known yet, oldest first.
    private readonly Queue<string> _unresolved = new();

    public BackfillScheduler Scheduler => scheduler;

    public int Pending { get; private set; }

    public long Records { get; private set; }

    public IReadOnlyCollection<BackfillRepoRow> Rows => _rows.Values;

    public bool Contains(string did) => _rows.ContainsKey(did);

    public BackfillRepoRow? Find(string did) => _rows.GetValueOrDefault(did);

    /// <summary>The next pending repository whose PDS is not known yet, if any.</summary>
    public bool TryTakeUnresolved(out string did) => _unresolved.TryDequeue(out did!);

    /// <summary>Forgets the repositories waiting for their PDS (the run ended).</summary>
    public void ClearUnresolved() => _unresolved.Clear();

    /// <summary>Adds or replaces a row, keeping the counts and the problems.</summary>
    public void Set(BackfillRepoRow row)
    {
        if (_rows.TryGetValue(row.Did, out var old))
        {
            Pending -= old.IsFinished ? 0 : 1;
            Records -= old.Records;
        }

        _rows[row.Did] = row;
        Pending += row.IsFinished ? 0 : 1;
        Records += row.Records;
        if (row.State is BackfillRepoRow.Skipped or BackfillRepoRow.Failed && old?.State != row.State && _problems.Count < MaxProblems)
        {
            _problems.Add(new BackfillProblem(row.Did, row.State, row.Reason ?? row.State));
        }
    }

    /// <summary>Sets the row and puts a pending repository in its line: to be resolved, or waiting for its host.</summary>
    public void Place(BackfillRepoRow row)
    {
        Set(row);
        if (row.IsFinished)
        {
            return;
        }

        if (row.Host is { } endpoint)
        {
            scheduler.Enqueue(row.Did, HostOf(endpoint));
        }
        else
        {
            _unresolved.Enqueue(row.Did);
        }
    }

    /// <summary>The scheduler's host of a PDS endpoint: its authority (host and port).</summary>
    public static string HostOf(string pdsEndpoint) => new Uri(pdsEndpoint).Authority;

    public BackfillStatus Status(BackfillJobState state, DateTimeOffset now)
    {
        int done = 0, skipped = 0, failed = 0;
        foreach (var row in _rows.Values)
        {
            switch (row.State)
            {
                case BackfillRepoRow.Done: done++; break;
                case BackfillRepoRow.Skipped: skipped++; break;
                case BackfillRepoRow.Failed: failed++; break;
            }
        }

        var seconds = ((state.CompletedAt ?? now) - state.StartedAt).TotalSeconds;
        return new BackfillStatus(state.State, state.StartedAt, state.CompletedAt,
            new BackfillRepoCounts(_rows.Count, Pending, done, skipped, failed),
            Records, seconds > 0 ? Records / seconds : 0, _problems.ToArray(), state.CancelReason);
    }
}
