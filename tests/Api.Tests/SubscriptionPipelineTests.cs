using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Jetstream.TestSupport;

namespace Jetstream.Api.Tests;

/// <summary>
/// What each subscription's processor queues as subscriptions are created, changed, paused, replayed and deleted over
/// the Api, read from its own queue on Azurite; events come from the emulator, which counts the sockets.
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class SubscriptionPipelineTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Three_subscriptions_with_different_filters_each_queue_exactly_their_own_events()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (a, b, c) = ($"a{tag}.app.one", $"b{tag}.app.two", $"c{tag}.app.three");
        var did = $"did:plc:only{tag}";
        var ids = new[] { SubscriptionClient.NewId("three-a"), SubscriptionClient.NewId("three-b"), SubscriptionClient.NewId("three-c") };
        await client.CreateOkAsync(SubscriptionClient.Body(ids[0], [a]));
        await client.CreateOkAsync(SubscriptionClient.Body(ids[1], [b, c]));
        await client.CreateOkAsync(SubscriptionClient.Body(ids[2], [a, b, c], dids: [did]));
        foreach (var id in ids)
        {
            await client.ConnectedAsync(id);
        }

        var events = new List<(string Collection, string Did)>();
        for (var i = 0; i < 30; i++)
        {
            events.Add((new[] { a, b, c }[i % 3], i % 5 == 0 ? did : $"did:plc:other{tag}{i % 4}"));
        }

        var published = events.Select(e => (e.Collection, e.Did, Json: StampedEvents.Commit(e.Collection, e.Did))).ToList();
        var times = cluster.Emulator!.PublishMany(published.Select(p => p.Json));
        await client.CoveredAsync(ids[0], LastWhere(times, i => published[i].Collection == a));
        await client.CoveredAsync(ids[1], LastWhere(times, i => published[i].Collection != a));
        await client.CoveredAsync(ids[2], LastWhere(times, i => published[i].Did == did));

        var queued = new Dictionary<string, List<string>>();
        foreach (var id in ids)
        {
            queued[id] = (await client.TakeQueuedAsync(id)).Select(e => System.Text.Encoding.UTF8.GetString(e.EventJson.Span)).ToList();
        }

        Assert.Equal(published.Where(p => p.Collection == a).Select(p => p.Json).Order(), queued[ids[0]].Select(StampedEvents.Unstamp).Order());
        Assert.Equal(published.Where(p => p.Collection != a).Select(p => p.Json).Order(), queued[ids[1]].Select(StampedEvents.Unstamp).Order());
        Assert.Equal(published.Where(p => p.Did == did).Select(p => p.Json).Order(), queued[ids[2]].Select(StampedEvents.Unstamp).Order());
        foreach (var id in ids)
        {
            await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
        }
    }

    [Fact]
    public async Task A_filter_change_applies_on_the_open_socket_losing_and_duplicating_nothing()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (kept, added) = ($"k{tag}.app.kept", $"n{tag}.app.added");
        var id = SubscriptionClient.NewId("live");
        await client.CreateOkAsync(SubscriptionClient.Body(id, [kept]));
        await client.ConnectedAsync(id);
        var socketsBefore = SocketsFor(kept);
        Assert.Equal(1, socketsBefore);

        var before = Enumerable.Range(0, 10).Select(i => StampedEvents.Commit(i % 2 == 0 ? kept : added, $"did:plc:live{tag}{i % 3}")).ToList();
        var beforeTimes = cluster.Emulator!.PublishMany(before);
        await client.CoveredAsync(id, LastWhere(beforeTimes, i => before[i].Contains(kept, StringComparison.Ordinal)));
        var updatesBefore = cluster.Emulator.OptionsUpdatesApplied;

        var changed = SubscriptionClient.Body(id, [kept, added]);
        using (var put = await client.Http.PutAsJsonAsync("/subscriptions/" + id, changed))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await Eventually.HoldsAsync(() => Task.FromResult(cluster.Emulator.OptionsUpdatesApplied > updatesBefore), TimeSpan.FromSeconds(10), "the server to apply options_update");
        var after = Enumerable.Range(0, 10).Select(i => StampedEvents.Commit(i % 2 == 0 ? kept : added, $"did:plc:live{tag}{i % 3}")).ToList();
        await client.CoveredAsync(id, cluster.Emulator.PublishMany(after).Max());

        var queued = (await client.TakeQueuedAsync(id)).Select(e => StampedEvents.Unstamp(System.Text.Encoding.UTF8.GetString(e.EventJson.Span))).ToList();
        var expected = before.Where(e => e.Contains(kept, StringComparison.Ordinal)).Concat(after).ToList();
        Assert.Equal(expected, queued);
        Assert.Equal(socketsBefore, SocketsFor(kept));
        Assert.Equal(HttpStatusCode.OK, (await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true")).StatusCode);
    }

    [Fact]
    public async Task A_paused_subscription_reads_nothing_and_on_resume_misses_nothing()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var collection = $"p{tag}.app.paused";
        var id = SubscriptionClient.NewId("pause");
        await client.CreateOkAsync(SubscriptionClient.Body(id, [collection]));
        await client.ConnectedAsync(id);
        var first = Enumerable.Range(0, 5).Select(i => StampedEvents.Commit(collection, $"did:plc:pause{tag}{i}")).ToList();
        await client.CoveredAsync(id, cluster.Emulator!.PublishMany(first).Max());

        using (var pause = await client.Http.PostAsync($"/subscriptions/{id}/pause", null))
        {
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        }

        await Eventually.HoldsAsync(async () => (await client.Processor(id).GetStatus()).State == Grains.Interfaces.ConnectionState.Paused, TimeSpan.FromSeconds(10), "paused");
        var whilePaused = Enumerable.Range(0, 5).Select(i => StampedEvents.Commit(collection, $"did:plc:pause{tag}{i}")).ToList();
        var lastWhilePaused = cluster.Emulator.PublishMany(whilePaused).Max();
        var status = await client.GetJsonAsync($"/subscriptions/{id}/status");
        Assert.Equal("paused", status.GetProperty("state").GetString());
        Assert.False(status.GetProperty("connected").GetBoolean());

        using (var resume = await client.Http.PostAsync($"/subscriptions/{id}/resume", null))
        {
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        }

        await client.CoveredAsync(id, lastWhilePaused);
        var queued = (await client.TakeQueuedAsync(id)).Select(e => StampedEvents.Unstamp(System.Text.Encoding.UTF8.GetString(e.EventJson.Span))).ToList();
        Assert.Equal(first.Concat(whilePaused), queued);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task A_replay_queues_every_event_since_then_again_with_the_same_ids()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var collection = $"r{tag}.app.replayed";
        var id = SubscriptionClient.NewId("replay");
        await client.CreateOkAsync(SubscriptionClient.Body(id, [collection]));
        await client.ConnectedAsync(id);
        var from = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 8).Select(i => StampedEvents.Commit(collection, $"did:plc:replay{tag}{i % 2}")).ToList();
        await client.CoveredAsync(id, cluster.Emulator!.PublishMany(events).Max());
        var firstIds = (await client.TakeQueuedAsync(id)).Select(e => e.EventId).ToList();
        Assert.Equal(8, firstIds.Count);

        using (var future = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/replay", new { from = DateTimeOffset.UtcNow.AddMinutes(5).ToString("O") }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
            Assert.Contains("future", await future.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var tooOld = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/replay", new { from = DateTimeOffset.UtcNow.AddDays(-3).ToString("O") }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooOld.StatusCode);
            Assert.Contains("Jetstream:ReplayWindowHours", await tooOld.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var replay = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/replay", new { from = from.AddSeconds(-1).ToString("O") }))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        }

        var replayed = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            replayed.AddRange((await client.TakeQueuedAsync(id)).Select(e => e.EventId));
            return replayed.Count >= firstIds.Count;
        }, TimeSpan.FromSeconds(20), "the replayed events queued again");
        Assert.Equal(firstIds, replayed);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    [Fact]
    public async Task A_deleted_subscription_leaves_no_grain_state_queue_or_document()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var collection = $"d{tag}.app.deleted";
        var id = SubscriptionClient.NewId("deleted");
        await client.CreateOkAsync(SubscriptionClient.Body(id, [collection]));
        await client.ConnectedAsync(id);
        await client.CoveredAsync(id, cluster.Emulator!.PublishMany([StampedEvents.Commit(collection, "did:plc:deleted" + tag)]).Max());
        Assert.NotNull((await client.Processor(id).GetStats()).Cursor);
        var activeBefore = cluster.Emulator.ActiveConnections;

        using var delete = await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
        var body = await delete.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal("deleted", (string?)body!["state"]);
        Assert.Equal(1, (long?)body["queuedMessages"]);

        using var lookup = await client.Http.GetAsync("/subscriptions/" + id);
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
        Assert.False((await new QueueClient(cluster.StorageConnectionString, "sub-" + id).ExistsAsync()).Value);
        Assert.False((await new QueueClient(cluster.StorageConnectionString, $"sub-{id}-poison").ExistsAsync()).Value);
        await Eventually.HoldsAsync(async () => (await client.Processor(id).GetStats()) is { Cursor: null, TotalReceived: 0 }, TimeSpan.FromSeconds(10), "the grain's state gone");
        Assert.Equal(activeBefore - 1, cluster.Emulator.ActiveConnections);
    }

    [Fact]
    public async Task Deleting_without_discard_keeps_the_queued_events_for_the_consumer_and_says_so()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var collection = $"w{tag}.app.waiting";
        var id = SubscriptionClient.NewId("drain");
        await client.CreateOkAsync(SubscriptionClient.Body(id, [collection]));
        await client.ConnectedAsync(id);
        await client.CoveredAsync(id, cluster.Emulator!.PublishMany([StampedEvents.Commit(collection, "did:plc:drain" + tag)]).Max());

        using var delete = await client.Http.DeleteAsync($"/subscriptions/{id}");
        var body = await delete.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        Assert.Equal("deleting", (string?)body!["state"]);
        var shown = await client.GetJsonAsync("/subscriptions/" + id);
        Assert.Equal("deleting", shown.GetProperty("lifecycle").GetString());
        Assert.Single(await client.TakeQueuedAsync(id));
        using var put = await client.Http.PutAsJsonAsync("/subscriptions/" + id, SubscriptionClient.Body(id, [collection]));
        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }

    /// <summary>The stream time of the last event a subscription receives: the server sends it nothing else, so its cursor stops there.</summary>
    private static long LastWhere(IReadOnlyList<long> times, Func<int, bool> received) =>
        Enumerable.Range(0, times.Count).Where(received).Max(i => times[i]);

    private int SocketsFor(string collection) =>
        cluster.Emulator!.RequestedUrls.Count(url => url.Contains(Uri.EscapeDataString(collection), StringComparison.Ordinal));
}
