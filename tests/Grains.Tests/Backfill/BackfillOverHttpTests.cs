using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Jetstream.TestSupport.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The whole path on the real AT Protocol client: the relay's list, the PLC's DID documents and the PDS's CARs over
/// HTTP, signatures verified with k256 and p256 keys, a takedown and a repository signed with the wrong key.
/// </summary>
public sealed class BackfillOverHttpTests
{
    private const string Wanted = "app.test.item";

    [Fact]
    public async Task Records_of_signed_repositories_are_queued_verified_a_takedown_skipped_and_a_wrong_signature_failed_with_nothing_delivered()
    {
        await using var network = await SignedRepoNetwork.StartAsync();
        var (k256, k256Built) = network.Add("k256", Wanted, records: 12);
        var (p256, _) = network.Add("p256", Wanted, records: 5);
        var (gone, _) = network.Add("k256", Wanted, records: 3, takendown: true);
        var (forged, _) = network.Add("p256", Wanted, records: 4, wrongKey: true);
        await using var scenario = await BackfillScenario.StartAsync(null, [Wanted], tweak: settings =>
        {
            settings["Atproto:RelayUrl"] = network.Url.ToString();
            settings["Atproto:PlcUrl"] = network.Url.ToString();
        });

        await scenario.Job.Start(null);
        var status = await scenario.WaitForEndAsync(TimeSpan.FromSeconds(60));
        var events = await scenario.DrainAsync(17);

        Assert.Equal(new BackfillRepoCounts(4, 0, 2, 1, 1), status.Repos);
        Assert.Contains(status.Problems, p => p.Did == gone && p.State == "skipped" && p.Reason.Contains("RepoTakendown", StringComparison.Ordinal));
        Assert.Contains(status.Problems, p => p.Did == forged && p.State == "failed");
        Assert.Equal(17, events.Select(e => e.Queued.EventId).Distinct().Count());
        Assert.Equal(12, events.Count(e => e.Queued.Did == k256));
        Assert.Equal(5, events.Count(e => e.Queued.Did == p256));
        Assert.All(events.Where(e => e.Queued.Did == k256), e =>
        {
            var commit = e.Event.GetProperty("commit");
            Assert.Equal(k256Built.Commit.Rev.Value, commit.GetProperty("rev").GetString());
            Assert.Equal(Wanted, commit.GetProperty("record").GetProperty("$type").GetString());
            Assert.StartsWith("bafyrei", commit.GetProperty("cid").GetString(), StringComparison.Ordinal);
        });
    }
}
