using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Jetstream.TestSupport;

namespace Jetstream.Run.Tests;

/// <summary>The README's run command, as a newcomer uses it: start it, watch events arrive, press Ctrl-C.</summary>
[Collection(RunCollection.Name)]
public sealed class RunScriptTests
{
    [Fact]
    public async Task Offline_run_shows_commits_in_stats_and_prints_deliveries_and_ctrl_c_stops_every_process_it_started()
    {
        await using var run = RunScript.StartOffline();
        await run.WaitUntilRunningAsync();
        await run.WaitForOutputAsync(_ => run.Deliveries.Count >= 5, TimeSpan.FromSeconds(60), "five deliveries printed by the receiver");

        var output = string.Join('\n', run.Output);
        var api = $"http://127.0.0.1:{run.Ports.Api}";
        Assert.Contains($"{api}/stats/html", output);
        Assert.Contains($"{api}/stats", output);
        Assert.Contains($"http://127.0.0.1:{run.Ports.Silo}/metrics", output);
        var token = Regex.Match(output, @"Admin token\s+(\S+)").Groups[1].Value;
        Assert.Matches("^[0-9a-f]{48}$", token);
        Assert.All(run.Deliveries, line => Assert.Matches(@" (work\.doing|blue\.2048)\.\S+ did:", line));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var stats = await http.GetFromJsonAsync<JsonElement>($"{api}/stats");
        Assert.True(stats.GetProperty("totalEvents").GetInt64() > 0, stats.ToString());
        var collections = stats.GetProperty("eventCounts").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.NotEmpty(collections);
        Assert.All(collections, c => Assert.Matches(@"^(work\.doing|blue\.2048)\.", c));

        // The printed token is the one the Api was given: the dashboard refuses without it and opens with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{api}/dashboard/")).StatusCode);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, $"{api}/dashboard/");
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(withToken)).StatusCode);

        var started = ProcessTable.Descendants(run.Pid);
        Assert.True(started.Count >= 7, $"expected Azurite, the emulator, the receiver, three hosts and the printer; found {started.Count}");

        run.Interrupt();
        var exitCode = await run.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(130, exitCode);
        Assert.DoesNotContain(started, ProcessTable.IsAlive);
        Assert.Empty(ProcessTable.CommandLinesContaining(run.StateDirectory));
        foreach (var port in run.Ports.All)
        {
            Assert.Empty(ProcessTable.CommandLinesContaining($"127.0.0.1:{port}"));
            Assert.False(await FreePort.IsListeningAsync(port), $"port {port} still listening after Ctrl-C\n{run.Diagnostics()}");
        }
    }
}
