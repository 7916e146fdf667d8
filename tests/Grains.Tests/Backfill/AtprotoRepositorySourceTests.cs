using Jetstream.Grains.Backfill;
using Jetstream.Grains.Backfill.Network;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// A 429's <c>Retry-After</c> from a PDS or the relay, over real HTTP: honoured, but never longer than
/// <c>Atproto:MaxRetryAfterSeconds</c> (a host asking for a day would hold the job a day) and never a hot loop.
/// </summary>
public sealed class AtprotoRepositorySourceTests
{
    private const string Wanted = "app.test.item";
    private const int Cap = 600;

    [Theory]
    [InlineData(86_400, Cap)]
    [InlineData(30, 30)]
    [InlineData(0, 1)]
    public async Task A_PDS_429_parks_its_host_for_the_Retry_After_within_the_cap(int askedSeconds, int parkedSeconds)
    {
        await using var network = await SignedRepoNetwork.StartAsync();
        var (did, _) = network.Add("k256", Wanted, records: 1, retryAfter: askedSeconds);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T23:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var source = Source(network, time);

        var refused = await Assert.ThrowsAsync<RepositoryFetchException>(() => source.OpenAsync(did, network.Url, verify: true, CancellationToken.None));

        Assert.Equal(RepositoryProblem.RateLimited, refused.Problem);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(parkedSeconds), refused.RetryAfter);
    }

    [Fact]
    public async Task The_relay_asking_for_a_day_is_asked_again_after_the_cap()
    {
        await using var network = await SignedRepoNetwork.StartAsync();
        var (did, _) = network.Add("p256", Wanted, records: 1);
        network.RelayRetryAfter = 86_400;
        var time = new FakeTimeProvider();
        var source = Source(network, time);

        var listing = source.ListReposByCollectionAsync(Wanted, CancellationToken.None).ToListAsync().AsTask();
        // The wait is on the fake clock: move it on in steps until the list comes (a day's wait would never end here).
        var waited = TimeSpan.Zero;
        while (!listing.IsCompleted && waited < TimeSpan.FromSeconds(Cap * 2))
        {
            await Task.Delay(10);
            time.Advance(TimeSpan.FromSeconds(10));
            waited += TimeSpan.FromSeconds(10);
        }

        Assert.Equal([did], await listing.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.InRange(waited, TimeSpan.FromSeconds(Cap), TimeSpan.FromSeconds(Cap + 100));
    }

    private static AtprotoRepositorySource Source(SignedRepoNetwork network, TimeProvider time)
    {
        var options = new AtprotoNetworkOptions { RelayUrl = network.Url.ToString(), PlcUrl = network.Url.ToString(), AllowPrivateNetworks = true, MaxRetryAfterSeconds = Cap };
        var clients = AtprotoClients.Create(options, time);
        return new AtprotoRepositorySource(clients.Sync, clients.Resolver, Microsoft.Extensions.Options.Options.Create(options), time);
    }
}
