using System.Net.Http.Json;
using System.Text.Json;

namespace Atproto.Emulator.Tests;

public sealed class PrebuildTests
{
    [Fact]
    public async Task Prebuild_caches_every_repository_and_reports_progress()
    {
        var cache = Directory.CreateTempSubdirectory("atproto-emulator-test-");
        try
        {
            await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions
            {
                Accounts = 12,
                MatchingRecords = 20,
                OtherRecords = 40,
                Prebuild = true,
                CacheDirectory = cache.FullName,
            });
            using var client = new NetworkClient(emulator);
            PrebuildStatus? status = null;
            for (var wait = 0; wait < 300 && status is not { Done: true }; wait++)
            {
                status = await client.Http.GetFromJsonAsync<PrebuildStatus>(new Uri(emulator.PlcUri, "/control/prebuild"), JsonSerializerOptions.Web);
                await Task.Delay(50);
            }
            Assert.Equal(new PrebuildStatus(12, 12, true), status);
            Assert.Equal(12, cache.GetFiles("*.body").Length);
            using var repo = await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(5));

            // A change makes a new revision, built again into the cache.
            using var record = JsonDocument.Parse("""{"$type":"app.bsky.feed.post","text":"later"}""");
            var change = emulator.Network.Change(emulator.Network.Accounts.DidAt(5), new RecordChange("create", "app.bsky.feed.post", Record: record.RootElement));
            using var changed = await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(5));
            Assert.Equal(change.Rev, changed.Rev.Value);
            Assert.Equal(13, cache.GetFiles("*.body").Length);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_kept_cache_serves_the_next_run_the_same_repositories_without_building_them_again()
    {
        var cache = Directory.CreateTempSubdirectory("atproto-emulator-test-");
        try
        {
            var options = new AtprotoEmulatorOptions { Accounts = 6, MatchingRecords = 10, OtherRecords = 20, Prebuild = true, KeepCache = true, CacheDirectory = cache.FullName };
            string firstCommit;
            await using (var first = await AtprotoEmulator.StartAsync(options))
            {
                using var client = new NetworkClient(first);
                await WaitForPrebuildAsync(client, first, 6);
                using var repo = await client.FetchVerifiedAsync(first.Network.Accounts.DidAt(4));
                firstCommit = repo.CommitCid.ToString();
            }

            // Kept after stop; marked, so the second run's prebuild finds them instead of building.
            var written = cache.GetFiles("*.body").ToDictionary(f => f.Name, f => f.LastWriteTimeUtc);
            Assert.Equal(6, written.Count);
            Assert.Equal(6, cache.GetFiles("*.meta").Length);
            await using var second = await AtprotoEmulator.StartAsync(options);
            using var again = new NetworkClient(second);
            await WaitForPrebuildAsync(again, second, 6);
            using var served = await again.FetchVerifiedAsync(second.Network.Accounts.DidAt(4));
            Assert.Equal(firstCommit, served.CommitCid.ToString());
            Assert.Equal(written, cache.GetFiles("*.body").ToDictionary(f => f.Name, f => f.LastWriteTimeUtc));
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void KeepCache_without_a_cache_directory_is_refused_naming_both_settings()
    {
        var problems = new AtprotoEmulatorOptions { KeepCache = true }.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(new object())).ToList();
        Assert.Contains(problems, p => p.ErrorMessage == "AtprotoEmulator:KeepCache needs AtprotoEmulator:CacheDirectory");
    }

    private static async Task WaitForPrebuildAsync(NetworkClient client, AtprotoEmulator emulator, int total)
    {
        PrebuildStatus? status = null;
        for (var wait = 0; wait < 300 && status is not { Done: true }; wait++)
        {
            status = await client.Http.GetFromJsonAsync<PrebuildStatus>(new Uri(emulator.PlcUri, "/control/prebuild"), JsonSerializerOptions.Web);
            await Task.Delay(50);
        }
        Assert.Equal(new PrebuildStatus(total, total, true), status);
    }
}
