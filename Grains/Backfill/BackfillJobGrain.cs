using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// One subscription's backfill. The job decides and records; the repository grains, spread over the silos, do the work.
/// Every repository of a run is a row of <see cref="BackfillRepoTable"/> written before it is started and after it
/// ends, and a reminder brings the job back on another silo, so a silo's death costs the repositories in flight one
/// more attempt and nothing else. It discovers, resolves each DID's PDS, starts repositories under the limits of
/// <see cref="BackfillScheduler"/> (sent and kept alive by <see cref="RepoDispatcher"/>), and stops when the subscription is paused or deleted.
/// </summary>
public sealed class BackfillJobGrain(
    [PersistentState("backfill", ProcessorStorage.Name)] IPersistentState<BackfillJobState> state,
    IRepositorySource source,
    BackfillRepoTable repos,
    SubscriptionStore subscriptions,
    IOptions<BackfillOptions> options,
    BackfillMetrics metrics,
    TimeProvider time,
    ILogger<BackfillJobGrain> logger) : Grain, IBackfillJobGrain, IRemindable
{
    private const string ReminderName = "backfill";
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly BackfillOptions _options = options.Value;
    private BackfillRun _run = null!;
    private OutcomeRecorder _outcomes = null!;
    private RepoRowWriter _rows = null!;
    private Task? _discovery;
    private RunIntake _intake = null!;
    private RepoDispatcher _dispatcher = null!;
    private LiveHandOver _handOver = null!;
    private SubscriptionWatch _subscription = null!;
    private IGrainTimer? _timer;

    private string Key => this.GetPrimaryKeyString();

    private bool Running => state.State.RunId > 0 && state.State.State == BackfillState.Running && !state.State.SubscriptionDeleted;

    /// <summary>No run to show: none ever ran, or the subscription they ran for was deleted.</summary>
    private bool None => state.State.RunId == 0 || state.State.SubscriptionDeleted;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _dispatcher = new RepoDispatcher(GrainFactory, Key, time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, Renewal);
        _handOver = new LiveHandOver(GrainFactory, Key, logger);
        _subscription = new SubscriptionWatch(subscriptions, Key);
        if (Running)
        {
            await LoadAsync(cancellationToken);
            StartTimer();
        }
    }

    public async Task<BackfillStartResult> Start(string[]? dids)
    {
        if (Running)
        {
            return new BackfillStartResult(null, BackfillStartRefusal.AlreadyRunning, $"A backfill of '{Key}' is running since {state.State.StartedAt:O}; DELETE it first or wait.");
        }

        if (await _subscription.ActiveAsync() is not { } subscription)
        {
            return new BackfillStartResult(null, BackfillStartRefusal.NoSuchSubscription, null);
        }

        if (RunStart.Listed(subscription, dids, out var distinct) is { } refusal)
        {
            return new BackfillStartResult(null, refusal, null);
        }

        await _handOver.HoldForRunAsync(distinct, subscription.AwaitingBackfill ? _subscription.ClearAwaitingAsync : null);
        var previous = state.State.RunId;
        state.State = new BackfillJobState { RunId = previous + 1, State = BackfillState.Running, StartedAt = time.GetUtcNow(), Discovered = distinct is not null };
        ResetMemory();
        _dispatcher.Use(subscription.WantedCollections, subscription.Generation);
        if (distinct is not null)
        {
            await repos.AddPendingAsync(Key, state.State.RunId, distinct);
            _intake.AddPending(distinct);
        }

        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        if (previous > 0)
        {
            _ = CleanUpAsync(previous);
        }

        BackfillLog.Started(logger, Key, state.State.RunId, distinct is null ? "relay discovery" : $"{distinct.Length} DIDs");
        StartTimer();
        return new BackfillStartResult(_run.Status(state.State, time.GetUtcNow()), null, null);
    }

    public async Task<BackfillStartResult> StartAwaited() => await _subscription.ActiveAsync() is { AwaitingBackfill: false }
        ? new BackfillStartResult(null, BackfillStartRefusal.AlreadyStarted, null)
        : await Start(null);

    public Task<BackfillStatus?> GetStatus() =>
        Task.FromResult(None ? null : _run.Status(state.State, time.GetUtcNow()));

    public Task<long> LastRun() => Task.FromResult(state.State.RunId);

    public async Task<BackfillStatus?> Cancel(string reason)
    {
        if (None)
        {
            return null;
        }

        if (Running)
        {
            await FinishAsync(BackfillState.Cancelled, reason);
        }

        var status = _run.Status(state.State, time.GetUtcNow());
        if (await _subscription.ActiveAsync() is null)
        {
            // The subscription's deletion (its cleanup cancels): a subscription created again with this id has no run
            // yet. The run number stays, so a new run's rows never share a partition with the old ones being removed.
            state.State = new BackfillJobState { RunId = state.State.RunId, SubscriptionDeleted = true };
            await state.WriteStateAsync();
        }

        return status;
    }

    public async Task Report(BackfillRepoOutcome outcome)
    {
        if (!Running || outcome.RunId != state.State.RunId || _run.Find(outcome.Did) is not { } row)
        {
            return;
        }

        var now = time.GetUtcNow();
        var current = _dispatcher.Complete(outcome.Did, outcome.DispatchId);
        // A row loaded after a silo's death has no PDS until it is resolved again; a stale attempt's final outcome needs none.
        var host = row.Host is { } pds ? BackfillRun.HostOf(pds) : null;
        if (current && host is not null)
        {
            _run.Scheduler.Release(host, hostWorked: outcome.Result is not (BackfillRepoResult.RateLimited or BackfillRepoResult.HostFailed));
        }

        if (row.IsFinished)
        {
            // Finished by a stale attempt's report (sent by an earlier activation) while this activation's dispatch was
            // in flight: the outcome is known already, but the dispatch's slot was taken and is free only now.
            _dispatcher.Send(_run, state.State.RunId, now);
            return;
        }

        var terminal = outcome.Result is BackfillRepoResult.Done or BackfillRepoResult.Skipped or BackfillRepoResult.Invalid;
        if (!current && !terminal)
        {
            // A stale attempt (from before this activation) that did not finish: the current one decides.
            return;
        }

        var stored = _outcomes.RecordAsync(row, outcome, host ?? string.Empty, now);
        _dispatcher.Send(_run, state.State.RunId, now);
        // Answered (and, when finished, handed over) once the row is stored: a repository the job forgets with its silo
        // is one whose grain reports it again, never one fetched again after it finished.
        await stored;
    }

    /// <summary>The reminder only brings the job back (activation resumes a run); one left after a run ends goes.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Running && await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(static (grain, cancellationToken) => grain.OnTickAsync(cancellationToken), this,
            new GrainTimerCreationOptions(TimeSpan.Zero, Tick) { Interleave = false, KeepAlive = true });

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        if (!Running)
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            if (await _subscription.CheckIfDueAsync(now, cancellationToken) is { } check)
            {
                if (check.Stopped)
                {
                    await FinishAsync(BackfillState.Cancelled, check.Deleted ? "the subscription was deleted" : "the subscription was paused", check.Deleted);
                    return;
                }

                _dispatcher.Use(check.WantedCollections, check.Generation);
            }

            if (!state.State.Discovered && _discovery is null or { IsCompleted: true })
            {
                _discovery = DiscoverAsync(cancellationToken);
            }

            _intake.ResolveMore();
            _dispatcher.Send(_run, state.State.RunId, now);
            _dispatcher.Renew(now);
            await _handOver.RetryFailedAsync();

            if (state.State.Discovered && _run.Pending == 0)
            {
                await FinishAsync(BackfillState.Completed, null);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            BackfillLog.StepFailed(logger, ex, Key);
        }
    }

    private async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        var runId = state.State.RunId;
        if (await _intake.DiscoverAsync(cancellationToken) && Running && state.State.RunId == runId)
        {
            // The hold on everyone ended already, once every repository discovered was held (RunIntake).
            state.State.Discovered = true;
            await state.WriteStateAsync();
            BackfillLog.Discovered(logger, Key, runId, _run.Rows.Count);
        }
    }

    private async Task FinishAsync(BackfillState end, string? reason, bool deleted = false)
    {
        state.State.State = end;
        state.State.CompletedAt = time.GetUtcNow();
        state.State.CancelReason = reason;
        await _outcomes.RecordStoppedAsync(await _dispatcher.StopAllAsync(state.State.RunId, StopWait), time.GetUtcNow());
        _run.ClearUnresolved();
        await _rows.AllStoredAsync();
        await state.WriteStateAsync();
        var status = _run.Status(state.State, time.GetUtcNow());
        BackfillLog.Finished(logger, Key, state.State.RunId, end.ToString().ToLowerInvariant(), status.Repos.Done, status.Repos.Skipped, status.Repos.Failed, status.Records);
        _timer?.Dispose();
        _timer = null;
        // A cancel through the Api may come from the subscription's deletion (its cleanup stops the job).
        deleted = deleted || await _subscription.ActiveAsync() is null;
        await _handOver.EndAsync(_run.Rows, end == BackfillState.Cancelled, deleted);
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        ResetMemory();
        foreach (var row in await repos.LoadAsync(Key, state.State.RunId, cancellationToken))
        {
            _run.Place(row);
        }

        // A hand-over asked for just before the silo died may not have reached the processor.
        await _handOver.ReleaseAsync([.. _run.Rows.Where(r => r.IsFinished).Select(LiveHandOver.For), .. state.State.Discovered ? [LiveHandOver.DiscoveryEnded] : Array.Empty<HeldRelease>()]);
    }

    private void ResetMemory()
    {
        _dispatcher.Clear();
        var scheduler = new BackfillScheduler(_options.MaxConcurrentRepos, _options.MaxConcurrentPerHost,
            TimeSpan.FromMilliseconds(_options.InitialRetryDelayMs), TimeSpan.FromMilliseconds(_options.MaxRetryDelayMs));
        _run = new BackfillRun(scheduler);
        var runId = state.State.RunId;
        // Once the run ended its end hands every finished repository over (a new run may hold them again).
        _rows = new RepoRowWriter(repos, Key, runId, RepoRowWriter.Window,
            rows => Running && state.State.RunId == runId ? _handOver.ReleaseAsync(rows.Where(r => r.IsFinished).Select(LiveHandOver.For)) : Task.CompletedTask, time, logger);
        _outcomes = new OutcomeRecorder(new OutcomeSettler(scheduler, _options, metrics, logger, Key), _run, _rows, runId);
        _intake = new RunIntake(runId, () => Running && state.State.RunId == runId, () => _dispatcher.Send(_run, runId, time.GetUtcNow()), _run, source, subscriptions, repos, _rows, _handOver, metrics, _options, logger, Key);
    }

    private async Task CleanUpAsync(long runId)
    {
        try
        {
            await repos.DeleteRunAsync(Key, runId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            BackfillLog.StepFailed(logger, ex, Key);
        }
    }
}
