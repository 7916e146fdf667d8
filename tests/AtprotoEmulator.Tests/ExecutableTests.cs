using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Sync;
using Jetstream.TestSupport;

namespace Atproto.Emulator.Tests;

/// <summary>The emulator as the separate process the bench runs.</summary>
public sealed class ExecutableTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "Atproto.Emulator.dll");

    [Fact]
    public async Task The_executable_serves_the_network_configured_from_the_command_line_and_counts_getRepo_per_DID_over_HTTP()
    {
        var port = FreePort.Next();
        var pds = FreePort.Next();
        // Its own cache folder: the process is killed, so it cannot delete a temp folder of its own.
        var cache = Directory.CreateTempSubdirectory("atproto-emulator-exe-");
        var (process, output) = Start($"--AtprotoEmulator:Port={port} --AtprotoEmulator:PdsBasePort={pds} --AtprotoEmulator:Accounts=3 --AtprotoEmulator:MatchingRecords=4 --AtprotoEmulator:Seed=9 --AtprotoEmulator:CacheDirectory={cache.FullName}");
        try
        {
            using var http = new HttpClient();
            var main = new Uri($"http://127.0.0.1:{port}");
            for (var wait = 0; wait < 200 && !await FreePort.IsListeningAsync(port); wait++)
            {
                Assert.False(process.HasExited, output.ToString());
                await Task.Delay(100);
            }
            var page = await new AtprotoSyncClient(http, TimeProvider.System).ListReposByCollectionAsync(main, "app.bsky.feed.post");
            Assert.Equal(3, page.Dids.Count);
            var document = await new DidResolver(http, new DidResolverOptions { PlcUrl = main }, TimeProvider.System).ResolveAsync(page.Dids[1]);
            Assert.Equal(pds, document.PdsEndpoint.Port);
            await using var car = await new AtprotoSyncClient(http, TimeProvider.System).GetRepoAsync(document.PdsEndpoint, page.Dids[1]);
            using var repo = await RepoSnapshot.ReadAsync(car, new CarReadOptions());
            repo.Verify(repo.Did, document.SigningKey);

            // The getRepo count per DID, over HTTP: what a test with the emulator in another process asserts on.
            var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(main, "/control/stats"));
            var counted = stats.GetProperty("dids").EnumerateArray().ToDictionary(d => d.GetProperty("did").GetString()!, d => d.GetProperty("getRepo").GetInt64());
            Assert.Equal(1, counted[page.Dids[1]]);
            Assert.Equal(0, counted.GetValueOrDefault(page.Dids[0]));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_executable_refuses_to_start_with_a_bad_setting_and_names_it()
    {
        var (process, output) = Start($"--AtprotoEmulator:Port={FreePort.Next()} --AtprotoEmulator:Curves=ed25519");
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(2, process.ExitCode);
            Assert.Contains("AtprotoEmulator:Curves", output.ToString(), StringComparison.Ordinal);
        }
    }

    private static (Process Process, StringBuilder Output) Start(string arguments) => ExecutableRun.Start(Dll, arguments);
}
