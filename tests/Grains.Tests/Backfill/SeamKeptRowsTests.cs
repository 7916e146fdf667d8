using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A hand-over's set row kept for a while after it (<see cref="KeptSetRows"/>, <see cref="LiveSeam"/> on Azurite): the
/// next activation after a silo's death knows the snapshot rev and drops a commit the snapshot holds that it reads again
/// from its cursor; a repository held again in the window keeps its new row; a deleted subscription leaves none.
/// </summary>
public sealed class SeamKeptRowsTests
{
    private const string Snapshot = "3lrev00000020";
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_commit_the_snapshot_holds_read_again_after_a_silo_death_is_dropped_by_the_next_activation_and_a_later_one_queued()
    {
        await using var harness = await SeamHarness.StartAsync("seamkept");
        const string did = "did:plc:kept";
        const string busy = "did:plc:busy";
        var seam = harness.NewSeam(keep: Long);
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([did, busy])));
            await SeamHarness.HoldAsync(seam, busy, "3lrev00000030");
            await seam.ReleaseAsync([new HeldRelease(did, Snapshot), new HeldRelease(busy, Snapshot)]);
            Assert.Equal("dropped", Decision(seam, did, "3lrev00000010"));
            Assert.Equal("queued", Decision(seam, did, "3lrev00000030"));
        });

        // The hand-overs ended: the one with nothing held at once, the other once it queued its commit above the snapshot.
        Assert.Equal([SeamHarness.Id(busy, "3lrev00000030")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await Eventually.HoldsAsync(async () => (await harness.HeldRowsAsync(busy)).Count == 0, TimeSpan.FromSeconds(30), "the hand-over's delete");
        await Task.Delay(KeptSetRows.Pause * 2);
        var messages = harness.MessagesWritten;

        // The silo dies before the processor's cursor passed the repository's commits made before the snapshot; the next
        // activation reads them again. Before, the row was gone and the activation knew nothing: the commit at 10 was
        // queued live, a second copy of a record the snapshot sent, out of rev order.
        await harness.Kill(seam);
        var reloaded = harness.NewSeam(direct: true, keep: Long);
        await harness.OnGrain(reloaded.LoadAsync);
        Assert.Equal("dropped", await harness.OnGrain(() => Decision(reloaded, did, "3lrev00000010")));
        Assert.Equal("dropped", await harness.OnGrain(() => Decision(reloaded, did, Snapshot)));
        Assert.Equal("queued", await harness.OnGrain(() => Decision(reloaded, did, "3lrev00000030")));
        Assert.Equal("dropped", await harness.OnGrain(() => Decision(reloaded, busy, "3lrev00000010")));
        Assert.Equal("queued", await harness.OnGrain(() => Decision(reloaded, busy, "3lrev00000040")));
        await Task.Delay(KeptSetRows.Pause);
        Assert.Equal(messages, harness.MessagesWritten);

        // Their set rows stay, marked with the snapshot's rev (the new activation keeps them for a window of its own).
        Assert.Equal([busy, did], (await harness.SetAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_repository_held_again_in_the_window_keeps_its_new_set_row_and_the_others_rows_go_once_it_passed()
    {
        await using var harness = await SeamHarness.StartAsync("seamkeptagain");
        const string again = "did:plc:again";
        string[] others = [.. Enumerable.Range(0, 3).Select(i => $"did:plc:other{i}")];
        var keep = TimeSpan.FromSeconds(2);
        var seam = harness.NewSeam(keep: keep);
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([again, .. others])));
            await seam.ReleaseAsync([.. others.Append(again).Select(did => new HeldRelease(did, Snapshot))]);
            // A new run holds it again within the window.
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([again])));
            Assert.True(seam.IsHeld(again));
            Assert.Equal("held", Decision(seam, again, "3lrev00000010"));
        });

        // The window passed and the removals had their sweep: the others' rows went, the new hold's stayed (not marked).
        await Eventually.HoldsAsync(async () => (await harness.SetAsync()).SequenceEqual([again]), TimeSpan.FromSeconds(30),
            "the other repositories' kept rows to go");
        await Task.Delay(keep + (KeptSetRows.Pause * 2));
        Assert.Equal([again], await harness.SetAsync());
        var row = await harness.Table.GetEntityAsync<Azure.Data.Tables.TableEntity>("set~" + SeamHarness.Subscription, again);
        Assert.NotEqual(true, row.Value.GetBoolean("Releasing"));
        Assert.True(await harness.OnGrain(() => seam.IsHeld(again)));
        var reloaded = harness.NewSeam(direct: true);
        await harness.OnGrain(reloaded.LoadAsync);
        Assert.True(await harness.OnGrain(() => reloaded.IsHeld(again) && !others.Any(reloaded.IsHeld)));
        await harness.Kill(reloaded);

        // The new run's end hands it over with its own snapshot; its row is kept, then goes.
        await harness.OnGrain(() => seam.ReleaseAsync([new HeldRelease(again, "3lrev00000040")]));
        Assert.Equal("dropped", await harness.OnGrain(() => Decision(seam, again, "3lrev00000030")));
        Assert.Equal([again], await harness.SetAsync());
        await harness.TableEmptiesAsync();
    }

    [Fact]
    public async Task A_repository_handed_over_lately_whose_commit_the_hold_on_everyone_held_keeps_its_rev_across_a_silo_death()
    {
        await using var harness = await SeamHarness.StartAsync("seamkeptall");
        const string did = "did:plc:lately";
        var seam = harness.NewSeam(keep: Long);
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([did])));
            await seam.ReleaseAsync([new HeldRelease(did, Snapshot)]);
            // A new run discovers: every commit is held, this one's too, and it joins the set as the hold ends.
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([HeldRelease.Everyone])));
            await SeamHarness.HoldAsync(seam, did, "3lrev00000030");
            await seam.ReleaseAsync([new HeldRelease(HeldRelease.Everyone, null)]);
        });

        Assert.Equal([SeamHarness.Id(did, "3lrev00000030")], (await harness.DrainAsync(1)).Select(e => e.EventId));
        await Eventually.HoldsAsync(async () => (await harness.SetAsync()).SequenceEqual([did]) && (await harness.HeldRowsAsync(did)).Count == 0,
            TimeSpan.FromSeconds(30), "the hold on everyone's hand-over to end, the row kept");
        Assert.False(await harness.OnGrain(() => seam.IsHeld(did)));
        var row = await harness.Table.GetEntityAsync<Azure.Data.Tables.TableEntity>("set~" + SeamHarness.Subscription, did);
        Assert.Equal(Snapshot, row.Value.GetString("ReleaseRev"));

        await harness.Kill(seam);
        var reloaded = harness.NewSeam(direct: true, keep: Long);
        await harness.OnGrain(reloaded.LoadAsync);
        Assert.Equal("dropped", await harness.OnGrain(() => Decision(reloaded, did, "3lrev00000010")));
        Assert.Equal("queued", await harness.OnGrain(() => Decision(reloaded, did, "3lrev00000040")));
    }

    [Fact]
    public async Task A_deleted_subscriptions_processor_removes_the_rows_it_keeps()
    {
        await using var harness = await SeamHarness.StartAsync("seamkeptdrop");
        const string handedOver = "did:plc:handed";
        const string held = "did:plc:held";
        var seam = harness.NewSeam(keep: Long);
        await harness.OnGrain(async () =>
        {
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([handedOver, held])));
            await SeamHarness.HoldAsync(seam, held, "3lrev00000030");
            await seam.ReleaseAsync([new HeldRelease(handedOver, Snapshot)]);
        });
        Assert.Equal([handedOver, held], (await harness.SetAsync()).Order(StringComparer.Ordinal));

        await harness.OnGrain(seam.DropAllAsync).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(await harness.SetAsync());
        await harness.TableEmptiesAsync();
        Assert.Equal(0, harness.MessagesWritten);
    }

    /// <summary>What the processor's <c>FrameHandler</c> does with a live commit of <paramref name="did"/> at <paramref name="rev"/>.</summary>
    private static string Decision(LiveSeam seam, string did, string rev) =>
        seam.WasHandedOver(did) && seam.InSnapshot(did, rev) ? "dropped" : seam.IsHeld(did) ? "held" : "queued";
}
