using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Processing;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The processor's hand-over (<see cref="LiveSeam"/>, <see cref="SeamHandOver"/>) on Azurite's table and queue: a
/// repository's held partition is read only when commits can be in it (held by this activation, or stored before it
/// loaded), and the repositories with nothing held leave together, their set rows removed a hundred per transaction.
/// </summary>
public sealed class SeamHandOverTests
{
    private const string Subscription = SeamHarness.Subscription;

    [Fact]
    public async Task Commits_an_earlier_activation_held_are_queued_after_the_snapshots_rev_by_a_new_activation_that_held_none_itself()
    {
        await using var harness = await SeamHarness.StartAsync("seamhandover");
        const string did = "did:plc:earlier";
        var earlier = harness.NewSeam();
        foreach (var rev in new[] { "3lrev00000030", "3lrev00000005", "3lrev00000020" })
        {
            await harness.OnGrain(() => SeamHarness.HoldAsync(earlier, did, rev));
        }

        await harness.Table.UpsertEntityAsync(new Azure.Data.Tables.TableEntity("set~" + Subscription, did));

        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            await seam.LoadAsync();
            Assert.True(seam.IsHeld(did));
            await seam.ReleaseAsync([new HeldRelease(did, "3lrev00000010")]);
        });

        var queued = await harness.DrainAsync(2);
        Assert.Equal([SeamHarness.Id(did, "3lrev00000020"), SeamHarness.Id(did, "3lrev00000030")], queued.Select(e => e.EventId));
        await harness.TableEmptiesAsync();
        Assert.False(await harness.OnGrain(() => seam.IsHeld(did)));
    }

    [Fact]
    public async Task Repositories_with_nothing_held_leave_at_once_their_set_rows_go_in_transactions_and_a_held_one_is_queued_in_order()
    {
        await using var harness = await SeamHarness.StartAsync("seamhandover");
        string[] nothing = [.. Enumerable.Range(0, 150).Select(i => $"did:plc:nothing{i:D3}")];
        const string busy = "did:plc:busy";
        var seam = harness.NewSeam();
        await harness.OnGrain(async () =>
        {
            // As the job does: the hand-overs are asked for once the hold is stored.
            Assert.True(await seam.StoredAsync(await seam.HoldAsync([.. nothing, busy])));
            await SeamHarness.HoldAsync(seam, busy, "3lrev00000030");
            await SeamHarness.HoldAsync(seam, busy, "3lrev00000005");
        });

        var requests = new TableRequests(harness.Proxy.ConnectionString);
        await harness.OnGrain(async () =>
        {
            await seam.ReleaseAsync([.. nothing.Select(d => new HeldRelease(d, "3lrev00000010")), new HeldRelease(busy, "3lrev00000010")]);
            // The same step as the call's end: no repository with nothing held waits for a request, the held one does;
            // a commit of it held now, while its hand-over reads, is queued after the others.
            Assert.All(nothing, d => Assert.False(seam.IsHeld(d)));
            Assert.True(seam.IsHeld(busy));
            _ = SeamHarness.HoldAsync(seam, busy, "3lrev00000040");
        });

        var queued = await harness.DrainAsync(2);
        Assert.Equal([SeamHarness.Id(busy, "3lrev00000030"), SeamHarness.Id(busy, "3lrev00000040")], queued.Select(e => e.EventId));
        await harness.TableEmptiesAsync();
        requests.Dispose();
        // Before, each repository with nothing held cost a read of its partition and a delete of its set row; now the
        // set rows go in the transactions (two of marks, two of removals, the held repository's deletes besides).
        // A query's filter is redacted in what the SDK reports: the held repository's one or two reads are all there are.
        Assert.InRange(requests.Matching("GET "), 1, 2);
        Assert.Equal(0, requests.Matching("RowKey='did:plc:nothing"));
        Assert.InRange(requests.Matching("/$batch"), 4, 6);

        var again = harness.NewSeam();
        await harness.OnGrain(again.LoadAsync);
        Assert.False(await harness.OnGrain(() => nothing.Append(busy).Any(again.IsHeld)));
    }

    [Fact]
    public async Task A_discoverys_set_rows_are_stored_two_transactions_at_a_time()
    {
        await using var harness = await SeamHarness.StartAsync("seambulk");
        string[] listed = [.. Enumerable.Range(0, 1000).Select(i => $"did:plc:bulk{i:D4}")];
        var seam = harness.NewSeam();
        using var requests = new TableRequests(harness.Proxy.ConnectionString);
        await harness.OnGrain(async () =>
        {
            var activation = await seam.HoldAsync(listed[..500]);
            _ = await seam.HoldAsync(listed[500..]);
            Assert.True(await seam.StoredAsync(activation));
        });

        // Ten transactions of 100 from two hold calls: side by side they were ten requests at once on Azurite's one
        // thread, ahead of every live request (bench row d).
        Assert.Equal(10, requests.Matching("/$batch"));
        Assert.Equal(2, requests.MostInFlight);
        Assert.Equal(1000, (await harness.SetAsync()).Count);
    }
}
