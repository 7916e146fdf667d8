using Jetstream.Grains.Interfaces.Backfill;
using Orleans.Concurrency;

namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Owns one subscription's reading of Jetstream: the socket, the durable cursor and the statistics. Keyed by the
/// subscription id; the subscription's settings are read from the subscription store, never passed in.
/// </summary>
public interface IJetstreamProcessorGrain : IGrainWithStringKey
{
    const string DefaultKey = "default";

    /// <summary>Activates the grain (and so its subscription loop) if it is not already running.</summary>
    Task EnsureRunning();

    Task<ProcessorStats> GetStats();

    Task<ConnectionStatus> GetStatus();

    /// <summary>Zeroes the counters. The cursor is kept: resetting statistics never replays or skips events.</summary>
    Task<ProcessorStats> ResetStats();

    /// <summary>Closes the current socket and reconnects at once (resuming at the cursor), resetting the backoff.</summary>
    Task Reconnect();

    /// <summary>
    /// Reads the subscription again and applies what changed: filters on the open socket (no reconnect), endpoints by
    /// reconnecting, <c>enabled</c> by pausing or resuming (the cursor stays).
    /// </summary>
    Task ApplySettings();

    /// <summary>Reads again from <paramref name="from"/>: every event since then is queued again, with the same ids.</summary>
    Task<ReplayResult> Replay(DateTimeOffset from);

    /// <summary>
    /// Calls <paramref name="observer"/> after every acknowledged queue write (coalesced: one call in flight at a time)
    /// for <paramref name="lease"/> (at most 10 minutes), renewed by calling again. The registration lives in this
    /// activation only: a consumer renews well within the lease, which finds the processor again wherever it was
    /// activated since. A consumer that goes away is not unregistered: its lease runs out, and a call that fails forgets
    /// it at once (so no call to a processor of a deleted subscription activates it again). Interleaved, so a long call (a delete's drain) does not hold a consumer's renewal back.
    /// </summary>
    [AlwaysInterleave]
    Task WatchQueueWrites(IQueueWriteObserver observer, TimeSpan lease);

    /// <summary>
    /// Another writer (a backfill's repository) made messages visible in this subscription's queue: wake the watching
    /// consumers as after the processor's own writes, so they do not find them only at their idle poll. One-way: the
    /// writer never waits for a consumer.
    /// </summary>
    [AlwaysInterleave]
    [OneWay]
    Task QueueWrittenElsewhere();

    /// <summary>
    /// The backfill is about to fetch these repositories: from when this returns, their live commits are held (stored,
    /// not queued) until <see cref="ReleaseHeld"/> hands them over (docs/backfill.md, the seam with live). Returns once
    /// they are held in memory; their set rows are stored in the background: <see cref="HoldStored"/> with the returned
    /// activation says when, and whether this activation still holds them.
    /// </summary>
    Task<Guid> HoldForBackfill(string[] dids);

    /// <summary>
    /// True once the holds taken so far by <paramref name="activation"/> (what <see cref="HoldForBackfill"/> returned)
    /// are stored, and the hold on everyone, if ended, removed; false if that activation is gone (deactivated, its silo
    /// dead): what it held in memory may not be stored, and the caller must hold again. Interleaved: it only waits.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> HoldStored(Guid activation);

    /// <summary>
    /// Hands over the held commits of repositories whose backfill ended; returns once each hand-over is recorded (it
    /// runs on, and resumes after a silo's death). A DID not held is ignored, so asking twice is harmless. Null: every
    /// repository held, each commit queued (a cancelled run, a paused subscription).
    /// </summary>
    Task ReleaseHeld(HeldRelease[]? releases);

    /// <summary>Stops reading for good, finishes the queue writes in flight, and removes the cursor, statistics and reminder.</summary>
    Task Delete();
}
