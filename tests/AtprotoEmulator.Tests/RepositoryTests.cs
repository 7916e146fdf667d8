using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator.Tests;

public sealed class RepositoryTests
{
    private static AtprotoEmulatorOptions Options(int accounts, int matching, int other) => new()
    {
        Seed = 7,
        Accounts = accounts,
        MatchingRecords = matching,
        OtherRecords = other,
        PdsHosts = 2,
    };

    [Fact]
    public async Task Every_account_resolves_and_its_repository_verifies_with_the_library()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(Options(accounts: 6, matching: 20, other: 45));
        using var client = new NetworkClient(emulator);
        var curves = new HashSet<string>();
        var legacy = 0;
        for (var i = 0; i < 6; i++)
        {
            var account = emulator.Network.Accounts[i];
            var document = await client.Resolver.ResolveAsync(account.Did.Value);
            Assert.Equal(emulator.PdsUri(account.Host).ToString().TrimEnd('/'), document.PdsEndpoint.ToString().TrimEnd('/'));
            Assert.Equal(account.Key.PublicKey.ToMultikey(), document.SigningKey.ToMultikey());
            curves.Add(document.SigningKey.Curve);
            legacy += account.LegacyKeyForm ? 1 : 0;

            using var repo = await client.FetchVerifiedAsync(account.Did.Value);
            Assert.Equal(account.Rev, repo.Rev);
            var matching = await Records(repo, CollectionFilter.Parse(["app.bsky.feed.post"]));
            Assert.Equal(20, matching.Count);
            Assert.Equal(65, (await Records(repo, CollectionFilter.All)).Count);
            Assert.Contains(matching, r => r.Json.Contains("Grüße aus Köln", StringComparison.Ordinal) || r.Json.Contains("日本語", StringComparison.Ordinal));
            Assert.Contains(matching, r => r.Json.Contains("\"$link\":\"bafkrei", StringComparison.Ordinal));
        }
        Assert.Equal([AtprotoPublicKey.K256, AtprotoPublicKey.P256], curves.Order());
        Assert.True(legacy > 0, "some DID documents carry the key in the legacy form");
    }

    [Fact]
    public async Task Repositories_are_the_same_for_the_same_seed_and_differ_for_another()
    {
        await using var first = await AtprotoEmulator.StartAsync(Options(2, 5, 5));
        await using var second = await AtprotoEmulator.StartAsync(Options(2, 5, 5));
        await using var other = await AtprotoEmulator.StartAsync(Seeded(Options(2, 5, 5), 8));
        using var a = new NetworkClient(first);
        using var b = new NetworkClient(second);
        var did = first.Network.Accounts.DidAt(1);
        Assert.Equal(did, second.Network.Accounts.DidAt(1));
        Assert.NotEqual(did, other.Network.Accounts.DidAt(1));
        using var repoA = await a.FetchVerifiedAsync(did);
        using var repoB = await b.FetchVerifiedAsync(did);
        Assert.Equal(repoA.CommitCid, repoB.CommitCid);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(30, 70)]
    [InlineData(3000, 7000)]
    public async Task The_streamed_tree_is_the_one_the_library_builds_from_the_same_records(int matching, int other)
    {
        await using var emulator = await AtprotoEmulator.StartAsync(Options(1, matching, other));
        using var client = new NetworkClient(emulator);
        var account = emulator.Network.Accounts[0];
        using var repo = await client.FetchVerifiedAsync(account.Did.Value);
        var builder = new RepoBuilder(account.Did, account.Key);
        await foreach (var record in repo.ReadRecordsAsync(CollectionFilter.All))
        {
            builder.Add(record.Collection, record.RecordKey, record.Record);
        }
        Assert.Equal(matching + other, builder.Count);
        Assert.Equal(repo.DataRoot, builder.Build(repo.Rev).Commit.Data);
    }

    private static AtprotoEmulatorOptions Seeded(AtprotoEmulatorOptions options, int seed)
    {
        options.Seed = seed;
        return options;
    }

    internal static async Task<List<(string Key, string Json)>> Records(RepoSnapshot repo, CollectionFilter filter)
    {
        var list = new List<(string, string)>();
        await foreach (var record in repo.ReadRecordsAsync(filter))
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Jetstream.Atproto.DagCbor.DagCborJson.WriterOptions))
            {
                record.WriteJson(writer);
            }
            list.Add(($"{record.Collection}/{record.RecordKey}", Encoding.UTF8.GetString(buffer.ToArray())));
        }
        return list;
    }
}
