using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;
using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

public sealed class BackfillJobTests
{
    private const string Wanted = "app.test.item";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Queues_every_wanted_record_not_live_within_the_host_limit_skipping_a_takedown_and_delivering_nothing_of_a_tampered_repository()
    {
        var network = new FakeNetwork { RecordDelay = TimeSpan.FromMilliseconds(5) };
        for (var i = 0; i < 6; i++)
        {
            var repo = network.Add($"did:plc:ok{i}", i < 4 ? "pds1.example" : "pds2.example", records: 5);
            repo.Put("app.other.thing", "3kother", "not wanted");
        }

        network.Add("did:plc:gone", "pds2.example", records: 3, fault: FakeFault.Takendown);
        network.Add("did:plc:bad", "pds2.example", records: 10, fault: FakeFault.TamperedLate);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);

        var started = await scenario.Job.Start(null);
        Assert.NotNull(started.Status);
        Assert.Equal(BackfillStartRefusal.AlreadyRunning, (await scenario.Job.Start(null)).Refusal);
        var status = await scenario.WaitForEndAsync(Timeout);
        var events = await scenario.DrainAsync(30);

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(8, 0, 6, 1, 1), status.Repos);
        Assert.Equal(30, status.Records);
        Assert.Contains(status.Problems, p => p.Did == "did:plc:gone" && p.State == "skipped" && p.Reason.Contains("RepoTakendown", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Did == "did:plc:bad" && p.State == "failed" && p.Reason.Contains("hash", StringComparison.Ordinal));
        Assert.Equal(30, events.Select(e => e.Queued.EventId).Distinct().Count());
        Assert.DoesNotContain(events, e => e.Queued.Did is "did:plc:bad" or "did:plc:gone");
        Assert.All(events, e =>
        {
            Assert.False(e.Event.GetProperty("live").GetBoolean());
            Assert.Equal("commit", e.Event.GetProperty("kind").GetString());
            Assert.Equal(e.Queued.Did, e.Event.GetProperty("did").GetString());
            var commit = e.Event.GetProperty("commit");
            Assert.Equal("create", commit.GetProperty("operation").GetString());
            Assert.Equal(Wanted, commit.GetProperty("collection").GetString());
            Assert.Equal(network[e.Queued.Did].Rev, commit.GetProperty("rev").GetString());
            var (cid, json) = network[e.Queued.Did].Records[Wanted + "/" + commit.GetProperty("rkey").GetString()];
            Assert.Equal(cid, commit.GetProperty("cid").GetString());
            Assert.Equal(json, commit.GetProperty("record").GetRawText());
        });
        Assert.InRange(network.MaxOpenPerHost, 1, 2);
    }

    [Fact]
    public async Task A_repository_shown_in_the_queue_wakes_the_consumers_watching_the_subscription()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:woken", "pds1.example", records: 3);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        var processor = scenario.Cluster.Client.GetGrain<Jetstream.Grains.Interfaces.IJetstreamProcessorGrain>(scenario.SubscriptionId);
        var observer = new CountingObserver();
        await processor.WatchQueueWrites(scenario.Cluster.Client.CreateObjectReference<Jetstream.Grains.Interfaces.IQueueWriteObserver>(observer), TimeSpan.FromMinutes(1));

        await scenario.Job.Start(null);
        await scenario.WaitForEndAsync(Timeout);

        // Nothing is published on the live side here: the only writes are the backfill's.
        await Eventually.HoldsAsync(() => Task.FromResult(observer.Calls >= 1), TimeSpan.FromSeconds(10), "a wake-up after the repository's messages were shown");
        Assert.Equal(3, (await scenario.DrainAsync(3)).Count);
    }

    [Fact]
    public async Task A_subscription_deleted_and_created_again_with_the_same_id_shows_no_backfill_until_it_starts_one()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:again", "pds1.example", records: 2);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        var id = scenario.SubscriptionId;
        await scenario.Job.Start(null);
        await scenario.WaitForEndAsync(Timeout);

        // As the Api deletes (discard): marked deleting, the backfill's cleanup started (it cancels the job), the document removed.
        await scenario.Store.UpdateAsync(id, d => d with { Lifecycle = Jetstream.Storage.Subscriptions.SubscriptionLifecycle.Deleting });
        await scenario.Cluster.Client.GetGrain<IBackfillCleanupGrain>(id).Start((await scenario.Store.GetAsync(id))!.Document.Generation);
        await scenario.Store.DeleteAsync(id);
        Assert.True(await scenario.Store.TryCreateAsync(new Jetstream.Storage.Subscriptions.SubscriptionDocument
        {
            Id = id,
            WantedCollections = [Wanted],
            CreatedAt = DateTimeOffset.UtcNow,
            Webhook = new Jetstream.Storage.Subscriptions.WebhookDocument { Url = "http://127.0.0.1:9/hook" },
        }));

        Assert.Null(await scenario.Job.GetStatus());
        Assert.Null(await scenario.Job.Cancel("nothing runs"));
        Assert.NotNull((await scenario.Job.Start(null)).Status);
        Assert.Equal(new BackfillRepoCounts(1, 0, 1, 0, 0), (await scenario.WaitForEndAsync(Timeout)).Repos);
    }

    private sealed class CountingObserver : Jetstream.Grains.Interfaces.IQueueWriteObserver
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task QueueWritten()
        {
            Interlocked.Increment(ref _calls);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_second_backfill_of_some_dids_sends_nothing_for_unchanged_records_and_create_update_delete_for_the_rest()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:one", "pds1.example", records: 4);
        network.Add("did:plc:two", "pds1.example", records: 3);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        await scenario.Job.Start(null);
        await scenario.WaitForEndAsync(Timeout);
        var first = await scenario.DrainAsync(7);

        var one = network["did:plc:one"];
        one.Put(Wanted, "3k00000000001", "changed");
        one.Remove(Wanted, "3k00000000002");
        one.Put(Wanted, "3k99999999999", "new");
        Assert.NotNull((await scenario.Job.Start(["did:plc:one", "did:plc:two"])).Status);
        var status = await scenario.WaitForEndAsync(Timeout);
        var second = await scenario.DrainAsync(3, TimeSpan.FromSeconds(5));

        Assert.Equal(7, first.Count);
        Assert.Equal(new BackfillRepoCounts(2, 0, 2, 0, 0), status.Repos);
        var operations = second.Select(e => (e.Event.GetProperty("commit").GetProperty("operation").GetString(), e.Event.GetProperty("commit").GetProperty("rkey").GetString())).ToList();
        Assert.Equal([("update", "3k00000000001"), ("delete", "3k00000000002"), ("create", "3k99999999999")], operations.OrderBy(o => o.Item2, StringComparer.Ordinal));
        Assert.All(second, e => Assert.False(e.Event.GetProperty("live").GetBoolean()));
        var delete = second.Single(e => e.Event.GetProperty("commit").GetProperty("operation").GetString() == "delete").Event.GetProperty("commit");
        Assert.False(delete.TryGetProperty("record", out _));
        Assert.False(delete.TryGetProperty("cid", out _));
    }

    [Fact]
    public async Task A_rate_limited_repository_is_fetched_after_the_servers_wait_and_a_failing_host_ends_failed_after_max_attempts()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:limited", "pds1.example", records: 2, fault: FakeFault.RateLimitedOnce);
        network.Add("did:plc:down", "pds9.example", records: 2, fault: FakeFault.HostDown);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);

        await scenario.Job.Start(null);
        var status = await scenario.WaitForEndAsync(Timeout);

        Assert.Equal(new BackfillRepoCounts(2, 0, 1, 0, 1), status.Repos);
        Assert.Equal(2, network.OpensOf("did:plc:limited"));
        Assert.Equal(3, network.OpensOf("did:plc:down"));
        Assert.Contains("after 3 attempts", Assert.Single(status.Problems).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pausing_the_subscription_cancels_its_backfill()
    {
        var network = new FakeNetwork { RecordDelay = TimeSpan.FromMilliseconds(200) };
        for (var i = 0; i < 10; i++)
        {
            network.Add($"did:plc:slow{i}", "pds1.example", records: 20);
        }

        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);
        await scenario.Job.Start(null);
        await scenario.Store.UpdateAsync(scenario.SubscriptionId, d => d with { Enabled = false });
        var status = await scenario.WaitForEndAsync(Timeout);

        Assert.Equal(BackfillState.Cancelled, status.State);
        Assert.NotNull(status.CompletedAt);
        Assert.True(status.Repos.Pending > 0);
    }

    [Fact]
    public async Task Killing_a_silo_mid_backfill_the_job_completes_on_the_other_and_finished_repositories_are_not_fetched_again()
    {
        var network = new FakeNetwork { RecordDelay = TimeSpan.FromMilliseconds(30) };
        for (var i = 0; i < 24; i++)
        {
            network.Add($"did:plc:r{i:D2}", $"pds{i % 3}.example", records: 10);
        }

        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], silos: 2);
        await scenario.Job.Start(null);
        await Eventually.HoldsAsync(async () => (await scenario.Job.GetStatus())!.Repos.Done >= 6, Timeout, "some repositories done");
        var host = scenario.Cluster.TryGetGrainContext(scenario.Job.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
        var victim = scenario.Cluster.Silos.FirstOrDefault(s => s.SiloAddress == host) ?? scenario.Cluster.Silos[^1];
        var finishedBefore = (await scenario.Repos.LoadAsync(scenario.SubscriptionId, 1)).Where(r => r.State == "done").Select(r => r.Did).ToArray();
        await scenario.Cluster.KillSiloAsync(victim);

        var status = await scenario.WaitForEndAsync(TimeSpan.FromSeconds(120));
        var events = await scenario.DrainAsync(240, TimeSpan.FromSeconds(30));

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(24, 0, 24, 0, 0), status.Repos);
        Assert.NotEmpty(finishedBefore);
        Assert.All(finishedBefore, did => Assert.Equal(1, network.OpensOf(did)));
        Assert.Equal(240, events.Select(e => e.Queued.EventId).Distinct().Count());
    }

    [Fact]
    public async Task A_stale_report_finishing_a_repository_whose_newer_dispatch_is_in_flight_leaves_its_slot_free_for_the_next()
    {
        var network = new FakeNetwork();
        var first = network.Add("did:plc:first", "pds1.example", records: 2);
        var second = network.Add("did:plc:second", "pds1.example", records: 2);
        first.EndGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        second.EndGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted], tweak: s => s["Backfill:MaxConcurrentRepos"] = s["Backfill:MaxConcurrentPerHost"] = "1");

        await scenario.Job.Start([first.Did, second.Did]);
        var ended = await Task.WhenAny(first.Ended.Task, second.Ended.Task).WaitAsync(Timeout);
        var inFlight = ended == first.Ended.Task ? first : second;
        // What an attempt sent by an earlier activation of the job reports (its silo died): the repository finishes while
        // this activation's attempt, holding the only slot, is still in flight.
        await scenario.Job.Report(new BackfillRepoOutcome(1, inFlight.Did, BackfillRepoResult.Done, null, 2, 80, DispatchId: 1, Rev: inFlight.Rev));
        first.EndGate.SetResult();
        second.EndGate.SetResult();
        var status = await scenario.WaitForEndAsync(Timeout);

        Assert.Equal(BackfillState.Completed, status.State);
        Assert.Equal(new BackfillRepoCounts(2, 0, 2, 0, 0), status.Repos);
        Assert.Equal(1, network.OpensOf(first.Did));
        Assert.Equal(1, network.OpensOf(second.Did));
    }
}
