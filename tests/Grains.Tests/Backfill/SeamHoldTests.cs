using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The hold's side of the seam (<see cref="LiveSeam"/> on Azurite): the hold on everyone ends once the list is in
/// memory, its stored row only once the list is stored; the repositories it held are handed over together; a repository
/// held again while its last hand-over runs stays held. The seam's table is cut (<see cref="StorageProxy"/>) to keep a
/// store from finishing; a hand-over is kept waiting by a commit's write still out.
/// </summary>
public sealed class SeamHoldTests
{
    private const string Other = "did:plc:other";
    private static readonly HeldRelease EveryoneEnded = new(HeldRelease.Everyone, null);

    [Fact]
    public async Task The_hold_on_everyone_ends_once_the_list_is_in_memory_and_a_processor_gone_before_it_is_stored_holds_everyone_again()
    {
        await using var harness = await SeamHarness.StartAsync("seamhold");
        string[] listed = [.. Enumerable.Range(0, 250).Select(i => $"did:plc:listed{i:D3}")];
        const string live = "did:plc:live";
        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([HeldRelease.Everyone])));
            await SeamHarness.HoldAsync(seam, live, "3lrev00000010");
        });

        harness.Proxy.Cut();
        // Before, the hold returned only once its set rows were stored, and the hold on everyone ended after that.
        var activation = await harness.OnGrain(async () =>
        {
            var holder = await seam.HoldAsync(listed);
            await seam.ReleaseAsync([EveryoneEnded]);
            return holder;
        }).WaitAsync(TimeSpan.FromSeconds(10));

        // Other repositories' commits flow again; the listed ones wait, as does the one held for everyone until its hand-over.
        Assert.True(await harness.OnGrain(() => !seam.IsHeld(Other) && listed.All(seam.IsHeld) && seam.IsHeld(live)));
        var stored = harness.OnGrain(() => seam.StoredAsync(activation));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(stored.IsCompleted);
        Assert.Equal([HeldRelease.Everyone], await harness.SetAsync());

        // The processor goes (deactivated, its silo dead) before the list is stored: the job is told so, and the next
        // activation holds everyone, the listed repositories among them.
        await harness.Kill(seam);
        Assert.False(await stored.WaitAsync(TimeSpan.FromSeconds(30)));
        var reloaded = harness.NewSeam(direct: true);
        await harness.OnGrain(reloaded.LoadAsync);
        Assert.True(await harness.OnGrain(() => reloaded.IsHeld(Other) && listed.All(reloaded.IsHeld)));
        Assert.False(await harness.OnGrain(() => reloaded.StoredAsync(activation)));

        // The job discovers again: once the new activation says the list is stored, it is, and the hold on everyone gone.
        await harness.OnGrain(async () =>
        {
            var again = await reloaded.HoldAsync(listed);
            await reloaded.ReleaseAsync([EveryoneEnded]);
            Assert.False(reloaded.IsHeld(Other));
            Assert.True(listed.All(reloaded.IsHeld));
            Assert.True(await reloaded.StoredAsync(again));
        });
        var set = await harness.SetAsync();
        Assert.DoesNotContain(HeldRelease.Everyone, set);
        Assert.Equal(listed, set.Where(did => did != live).Order(StringComparer.Ordinal));
        Assert.Equal([SeamHarness.Id(live, "3lrev00000010")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await Eventually.HoldsAsync(async () => !(await harness.SetAsync()).Contains(live) && (await harness.HeldRowsAsync(live)).Count == 0,
            TimeSpan.FromSeconds(30), "the repository held for everyone to be handed over");
    }

    [Fact]
    public async Task Repositories_held_for_everyone_are_handed_over_together_with_one_read_in_few_messages_each_in_rev_order()
    {
        await using var harness = await SeamHarness.StartAsync("seamtogether");
        string[] live = [.. Enumerable.Range(0, 40).Select(i => $"did:plc:live{i:D2}")];
        const string listed = "did:plc:listed";
        string[] revs = ["3lrev00000030", "3lrev00000010", "3lrev00000020"];
        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([HeldRelease.Everyone])));
            await Task.WhenAll(live.Append(listed).SelectMany(did => revs.Select(rev => SeamHarness.HoldAsync(seam, did, rev))));
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([listed])));
        });

        var requests = new TableRequests(harness.Proxy.ConnectionString);
        var messages = harness.MessagesWritten;
        await harness.OnGrain(async () =>
        {
            await seam.ReleaseAsync([EveryoneEnded]);
            Assert.False(seam.IsHeld(Other));
            Assert.True(live.All(seam.IsHeld) && seam.IsHeld(listed));
            // Held as the hand-over starts: that repository goes round on its own, this commit after its others.
            _ = SeamHarness.HoldAsync(seam, live[0], "3lrev00000040");
        });

        var queued = await harness.DrainAsync(121);
        Assert.Equal(121, queued.Count);
        foreach (var did in live)
        {
            string[] inOrder = did == live[0] ? [.. revs.Order(StringComparer.Ordinal), "3lrev00000040"] : [.. revs.Order(StringComparer.Ordinal)];
            Assert.Equal(inOrder.Select(rev => SeamHarness.Id(did, rev)), queued.Where(e => e.Did == did).Select(e => e.EventId));
        }

        Assert.DoesNotContain(queued, e => e.Did == listed);
        await Eventually.HoldsAsync(
            async () => (await harness.SetAsync()).SequenceEqual([listed]) && (await harness.Table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]).CountAsync()) == 4,
            TimeSpan.FromSeconds(30), "only the listed repository's set row and held commits to be left");
        requests.Dispose();
        // One range read for the forty and one read of the repository that went round; before, a read each (and a list).
        Assert.Equal(2, requests.Matching("GET "));
        // Forty repositories' commits in one message (the commit that went round in a second one if the read missed it).
        Assert.InRange(harness.MessagesWritten - messages, 1, 2);
        Assert.True(await harness.OnGrain(() => !live.Any(seam.IsHeld) && seam.IsHeld(listed)));
    }

    [Fact]
    public async Task A_repository_held_again_while_its_last_hand_over_runs_stays_held_and_keeps_its_set_row()
    {
        await using var harness = await SeamHarness.StartAsync("seamagain");
        const string did = "did:plc:again";
        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([did])));
            await SeamHarness.HoldAsync(seam, did, "3lrev00000020");
        });

        // The run ends, and the next one, started right after, holds the repository again while its hand-over waits
        // (for a commit's write still out).
        var written = new TaskCompletionSource();
        var activation = await harness.OnGrain(async () =>
        {
            seam.Started(did, written.Task);
            await seam.ReleaseAsync([new HeldRelease(did, "3lrev00000010")]);
            return await seam.HoldAsync([did]);
        });
        Assert.True(await harness.OnGrain(() => seam.StoredAsync(activation)));
        written.SetResult();

        Assert.Equal([SeamHarness.Id(did, "3lrev00000020")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await Eventually.HoldsAsync(async () => (await harness.HeldRowsAsync(did)).Count == 0, TimeSpan.FromSeconds(30), "the hand-over's delete");
        // Its last step, and the set row's removal it used to issue, had time to land.
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Before, the hand-over took the repository out of the set (its next commits went straight to the queue for
        // the whole new run) and removed the set row the new hold had just stored.
        Assert.True(await harness.OnGrain(() => seam.IsHeld(did)));
        Assert.Equal([did], await harness.SetAsync());
        var reloaded = harness.NewSeam(direct: true);
        await harness.OnGrain(reloaded.LoadAsync);
        Assert.True(await harness.OnGrain(() => reloaded.IsHeld(did)));
        await harness.Kill(reloaded);

        // The new run's end hands it over with its own snapshot.
        await harness.OnGrain(async () =>
        {
            await SeamHarness.HoldAsync(seam, did, "3lrev00000040");
            await seam.ReleaseAsync([new HeldRelease(did, "3lrev00000030")]);
        });
        Assert.Equal([SeamHarness.Id(did, "3lrev00000040")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await harness.TableEmptiesAsync();
        Assert.False(await harness.OnGrain(() => seam.IsHeld(did)));
    }

    [Fact]
    public async Task The_new_runs_hand_over_asked_for_while_the_last_one_runs_follows_it()
    {
        await using var harness = await SeamHarness.StartAsync("seamafter");
        const string did = "did:plc:after";
        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([did])));
            await SeamHarness.HoldAsync(seam, did, "3lrev00000020");
        });

        var written = new TaskCompletionSource();
        var newRunEnded = await harness.OnGrain(async () =>
        {
            seam.Started(did, written.Task);
            await seam.ReleaseAsync([new HeldRelease(did, "3lrev00000010")]);
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([did])));
            // A release ignored here (the last run's hand-over still running) would leave the repository held for good.
            return seam.ReleaseAsync([new HeldRelease(did, "3lrev00000030")]);
        });
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.False(newRunEnded.IsCompleted);
        written.SetResult();

        await newRunEnded.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([SeamHarness.Id(did, "3lrev00000020")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await harness.TableEmptiesAsync();
        Assert.False(await harness.OnGrain(() => seam.IsHeld(did)));
    }
}
