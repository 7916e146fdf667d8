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
}
