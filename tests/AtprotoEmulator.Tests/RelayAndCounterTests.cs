using System.Diagnostics;
using System.Net;
using Jetstream.Atproto.Sync;

namespace Atproto.Emulator.Tests;

public sealed class RelayAndCounterTests
{
    [Fact]
    public async Task Pages_of_the_relay_list_every_holder_once_and_end_with_no_cursor()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 25 });
        using var client = new NetworkClient(emulator);
        var dids = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.Sync.ListReposByCollectionAsync(emulator.RelayUri, "app.bsky.feed.post", cursor, limit: 7);
            Assert.Empty(page.Rejected);
            dids.AddRange(page.Dids);
            cursor = page.Cursor;
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(4, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(emulator.Network.Accounts.DidAt), dids);

        var none = await client.Sync.ListReposByCollectionAsync(emulator.RelayUri, "app.bsky.actor.profile");
        Assert.Empty(none.Dids);
        Assert.Null(none.Cursor);
        var bad = await Assert.ThrowsAsync<XrpcException>(() => client.Sync.ListReposByCollectionAsync(emulator.RelayUri, "app.bsky.feed.post", "not-a-cursor"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("InvalidRequest", bad.Error);
    }

    [Fact]
    public async Task The_relay_lists_an_account_for_a_collection_it_created_a_record_in()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 5 });
        using var client = new NetworkClient(emulator);
        var did = emulator.Network.Accounts.DidAt(3);
        using var record = System.Text.Json.JsonDocument.Parse("""{"$type":"app.bsky.actor.profile","displayName":"Zoë"}""");
        emulator.Network.Change(did, new RecordChange("create", "app.bsky.actor.profile", "self", record.RootElement));
        var page = await client.Sync.ListReposByCollectionAsync(emulator.RelayUri, "app.bsky.actor.profile");
        Assert.Equal([did], page.Dids);
    }

    [Fact]
    public async Task Ten_thousand_accounts_are_listed_in_five_pages_of_2000()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 10_000, PdsHosts = 4 });
        using var client = new NetworkClient(emulator);
        var clock = Stopwatch.StartNew();
        var dids = new HashSet<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await client.Sync.ListReposByCollectionAsync(emulator.RelayUri, "app.bsky.feed.post", cursor, limit: 2000);
            dids.UnionWith(page.Dids);
            cursor = page.Cursor;
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(10_000, dids.Count);
        Assert.Equal(5, pages);
        // Generous on a shared 2-core machine; it takes a few tens of milliseconds alone.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"listing took {clock.Elapsed}");
    }

    [Fact]
    public async Task Counters_tell_requests_per_DID_and_the_most_in_flight_per_host()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 8, PdsHosts = 2, MatchingRecords = 50 });
        using var client = new NetworkClient(emulator);
        // A slow host 0 keeps its requests in flight long enough to overlap.
        emulator.Network.Faults.Add(new FaultRule { Kind = FaultKind.SlowHost, Host = 0, BytesPerSecond = 40_000 });
        var onHost0 = Enumerable.Range(0, 8).Where(i => i % 2 == 0).Select(emulator.Network.Accounts.DidAt).ToArray();
        await Task.WhenAll(onHost0.Select(async did =>
        {
            using var repo = await client.FetchVerifiedAsync(did);
        }));
        using (await client.FetchVerifiedAsync(onHost0[0]))
        {
        }
        Assert.Equal(2, emulator.Network.Counters.GetRepoRequests(onHost0[0]));
        Assert.Equal(1, emulator.Network.Counters.GetRepoRequests(onHost0[1]));
        Assert.Equal(0, emulator.Network.Counters.GetRepoRequests(emulator.Network.Accounts.DidAt(1)));
        Assert.Equal(5, emulator.Network.Counters.HostRequests(0));
        Assert.InRange(emulator.Network.Counters.PeakInFlight(0), 2, 4);
        // The resolver caches: the second fetch of a DID did not ask the PLC again.
        Assert.Equal(1, emulator.Network.Counters.PlcRequests(onHost0[0]));
        // The handler ends just after the client has read the last byte.
        for (var wait = 0; wait < 100 && emulator.Network.Counters.Snapshot().Hosts.Single(h => h.Host == 0).InFlight > 0; wait++)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, emulator.Network.Counters.Snapshot().Hosts.Single(h => h.Host == 0).InFlight);
    }

    [Fact]
    public async Task Pds_hosts_can_have_addresses_of_their_own()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 3, PdsHosts = 3, DistinctPdsAddresses = true });
        using var client = new NetworkClient(emulator);
        for (var i = 0; i < 3; i++)
        {
            var document = await client.Resolver.ResolveAsync(emulator.Network.Accounts.DidAt(i));
            Assert.Equal($"127.0.0.{i + 2}", document.PdsEndpoint.Host);
            using var repo = await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(i));
        }
        // An account asked of a host it does not live on is not found there, as on a real PDS.
        var wrongHost = await Assert.ThrowsAsync<XrpcException>(() => client.Sync.GetRepoAsync(emulator.PdsUri(1), emulator.Network.Accounts.DidAt(0)));
        Assert.Equal(XrpcException.RepoNotFound, wrongHost.Error);
    }
}
