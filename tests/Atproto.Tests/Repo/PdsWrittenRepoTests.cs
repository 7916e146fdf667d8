using System.Text.Json;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;
using Xunit.Abstractions;

namespace Jetstream.Atproto.Tests.Repo;

/// <summary>Repositories PDSes wrote, kept by indigo with DID documents (Fixtures/indigo/README.md).</summary>
public sealed class PdsWrittenRepoTests(ITestOutputHelper output)
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "indigo");

    [Fact]
    public async Task A_v3_repository_bsky_social_served_walks_whole_and_its_commit_names_its_own_did()
    {
        await using var car = File.OpenRead(Path.Combine(FixtureDirectory, "greenground.repo.car"));
        using var repo = await RepoSnapshot.ReadAsync(car);
        var count = 0;
        var previous = "";
        await foreach (var record in repo.ReadRecordsAsync(CollectionFilter.All))
        {
            var path = $"{record.Collection}/{record.RecordKey}";
            Assert.True(string.CompareOrdinal(previous, path) < 0);
            previous = path;
            Assert.NotEmpty(DagCborJson.ToJsonUtf8(record.Record));
            count++;
        }
        output.WriteLine($"{repo.Did} rev {repo.Rev}: {count} records, {repo.BlockCount} blocks");
        Assert.True(count > 0);
        Assert.Equal(repo.BlockCount, repo.BlocksRead);

        // indigo keeps this CAR beside greenground's DID document, but the commit inside is another account's:
        // verification must refuse the pairing, naming both DIDs.
        var docJson = File.ReadAllBytes(Path.Combine(FixtureDirectory, "greenground.didDoc.json"));
        var did = JsonDocument.Parse(docJson).RootElement.GetProperty("id").GetString()!;
        var error = Assert.Throws<RepoVerificationException>(() => repo.Verify(Did.Parse(did), DidDocument.Parse(docJson, did).SigningKey));
        Assert.Equal($"commit {repo.CommitCid} is for {repo.Did}, not {did}", error.Message);
    }

    [Theory]
    [InlineData("paul_staging")]
    [InlineData("fakermaker")]
    public async Task A_version_2_repository_gets_a_clear_error(string name)
    {
        await using var car = File.OpenRead(Path.Combine(FixtureDirectory, $"{name}.repo.car"));
        var error = await Assert.ThrowsAsync<AtprotoException>(() => RepoSnapshot.ReadAsync(car));
        Assert.EndsWith("version 2 is not supported (only repository version 3)", error.Message);
    }
}
