using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Jetstream.TestSupport;

namespace Jetstream.Emulator.Tests;

/// <summary>The emulator as the separate process the demo and benchmarks run.</summary>
public sealed class ExecutableTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "Jetstream.Emulator.dll");

    [Fact]
    public async Task The_executable_streams_paced_generated_events_configured_from_the_command_line()
    {
        var port = FreePort.Next();
        var (process, _) = Start(
            $"--urls http://127.0.0.1:{port} --Emulator:EventsPerSecond=100 --Emulator:Seed=1 --Emulator:CommitShare=1 --Emulator:Collections:0=work.doing.test");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForHealthAsync(http, process);
            await using var client = await TestSubscriber.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/subscribe"), "?wantedCollections=work.doing.*");

            var frames = await client.ReceiveUntilAsync(_ => true);
            frames.AddRange(await client.ReceiveUntilAsync(_ => true));

            Assert.All(frames, f => Assert.Contains("\"collection\":\"work.doing.test\"", f.Text));
            var stats = await http.GetFromJsonAsync<JsonElement>("/control/stats");
            Assert.True(stats.GetProperty("published").GetInt64() >= 2);
            Assert.Equal(100, stats.GetProperty("eventsPerSecond").GetDouble());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    [Fact]
    public async Task The_executable_refuses_to_start_with_a_bad_setting_and_names_it()
    {
        var (process, output) = Start($"--urls http://127.0.0.1:{FreePort.Next()} --Emulator:OutboxCapacity=0");
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);

            Assert.NotEqual(0, process.ExitCode);
            Assert.Contains("OutboxCapacity", output.ToString());
        }
    }

    [Fact]
    public async Task The_executable_serves_both_wires_compressed_on_one_port_with_its_generator_settings()
    {
        var port = FreePort.Next();
        var (process, _) = Start(
            $"--urls http://127.0.0.1:{port} --Emulator:EventsPerSecond=100 --Emulator:CommitShare=1 --Emulator:Collections:0=work.doing.test");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForHealthAsync(http, process);
            await using var v1 = await TestSubscriber.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/subscribe"), "?compress=true");
            await using var v2 = await TestSubscriber.ConnectAsync(
                new Uri($"ws://127.0.0.1:{port}/xrpc/network.bsky.jetstream.subscribeEvents"), "?kinds=commit&collections=work.doing.*&zstdDictionary=20260811");

            var v1Event = Encoding.UTF8.GetString(Zstd.Decode((await v1.ReceiveAsync()).Payload, Zstd.LegacyDictionary));
            var v2Event = V2Frames.Json(await v2.ReceiveAsync(), Zstd.V2Dictionary).GetProperty("payload");
            var dictionary = await http.GetByteArrayAsync("/xrpc/network.bsky.jetstream.getZstdDictionary");

            Assert.Contains("\"collection\":\"work.doing.test\"", v1Event);
            Assert.Equal("work.doing.test", v2Event.GetProperty("collection").GetString());
            Assert.Equal(Zstd.V2Dictionary, dictionary);
            var stats = await http.GetFromJsonAsync<JsonElement>("/control/stats");
            Assert.Equal((1, 1), (stats.GetProperty("v1Connections").GetInt32(), stats.GetProperty("v2Connections").GetInt32()));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    [Fact]
    public async Task The_executable_refuses_a_dictionary_folder_that_does_not_exist_and_names_the_setting()
    {
        var (process, output) = Start($"--urls http://127.0.0.1:{FreePort.Next()} --Emulator:DictionaryDirectory=/nowhere/dictionaries");
        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(2, process.ExitCode);
            Assert.Contains("Emulator:DictionaryDirectory '/nowhere/dictionaries' does not exist", output.ToString());
        }
    }

    private static (Process Process, StringBuilder Output) Start(string arguments) => ExecutableRun.Start(Dll, arguments);

    private static async Task WaitForHealthAsync(HttpClient http, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The emulator exited with code {process.ExitCode}.");
            }

            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("The emulator process did not become healthy.");
    }
}
