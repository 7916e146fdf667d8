using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
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
        Assert.Contains($"{api}/dashboard/", output);
        Assert.Contains($"http://127.0.0.1:{run.Ports.Silo}/metrics", output);
        var token = Regex.Match(output, @"Admin token\s+(\S+)").Groups[1].Value;
        Assert.Matches("^[A-Za-z0-9]{32}$", token);
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

        // The printed login URL opens the Aspire dashboard: without its token a browser is sent to the login page, with
        // it the browser is signed in and lands on the resources page.
        var login = Regex.Match(output, $@"Aspire dashboard\s+(http://127\.0\.0\.1:{run.Ports.Dashboard}/login\?t=\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(login), output);
        using (var browser = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            var anonymous = await browser.GetAsync($"http://127.0.0.1:{run.Ports.Dashboard}/");
            Assert.Equal("/login", anonymous.RequestMessage!.RequestUri!.AbsolutePath);
            var signedIn = await browser.GetAsync(login);
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
            Assert.Equal("/", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        }

        // Azurite, the emulator, the receiver, two silos, the Api and the consumer, each a process of this run.
        var started = run.Processes();
        foreach (var program in new[] { "azurite.js", "/Jetstream.Emulator", "/WebhookReceiver", "/Api", "/WebhookConsumer" })
        {
            Assert.True(started.Any(p => p.CommandLine.Contains(program, StringComparison.Ordinal)), $"no {program} among\n{string.Join('\n', started)}");
        }

        Assert.Equal(2, started.Count(p => p.CommandLine.EndsWith("/Silo", StringComparison.Ordinal)));

        // The silos run with the runtime settings of their image (the AppHost reads Silo/Dockerfile's ENV DOTNET_ and MALLOC_ lines):
        // the GC reads some only from the environment.
        var imageSettings = File.ReadLines(Path.Combine(RepoPaths.Root, "Silo", "Dockerfile"))
            .Where(line => line.StartsWith("ENV DOTNET_", StringComparison.Ordinal) || line.StartsWith("ENV MALLOC_", StringComparison.Ordinal))
            .Select(line => line["ENV ".Length..].Trim()).ToArray();
        Assert.NotEmpty(imageSettings);
        foreach (var silo in started.Where(p => p.CommandLine.EndsWith("/Silo", StringComparison.Ordinal)))
        {
            Assert.Subset(ProcessTable.VariablesOf(silo.Pid).ToHashSet(), imageSettings.ToHashSet());
        }

        run.Interrupt();
        var exitCode = await run.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(130, exitCode);
        Assert.DoesNotContain(started, p => ProcessTable.IsAlive(p.Pid));
        Assert.Empty(run.Processes());
        Assert.Empty(ProcessTable.CommandLinesContaining(run.StateDirectory));
        foreach (var port in run.Ports.All)
        {
            Assert.Empty(ProcessTable.CommandLinesContaining($"127.0.0.1:{port}"));
            Assert.False(await FreePort.IsListeningAsync(port), $"port {port} still listening after Ctrl-C\n{run.Diagnostics()}");
        }

        // Both silos left the cluster before storage went away: Azurite, started again on the run's data, shows their
        // membership rows as Dead, and the processor logged the cursor it stopped at.
        await using var storage = await AzuriteProcess.StartOnAsync(Path.Combine(run.StateDirectory, "azurite"));
        var members = new TableClient(storage.ConnectionString, "OrleansSiloInstances").Query<TableEntity>()
            .Where(row => row.ContainsKey("Status")).ToArray();
        Assert.Equal(["Dead", "Dead"], members.Select(row => row.GetString("Status")));
        Assert.Contains(Directory.GetFiles(Path.Combine(run.StateDirectory, "logs"), "silo-*.log"), log => File.ReadAllText(log).Contains("stopping at cursor", StringComparison.Ordinal));

        // The consumer joined the cluster the run gave it: the processor woke it after its queue writes.
        Assert.Contains("[default] Woken by its processor's queue writes", File.ReadAllText(Path.Combine(run.StateDirectory, "logs", "webhook-consumer.log")), StringComparison.Ordinal);
    }
}
