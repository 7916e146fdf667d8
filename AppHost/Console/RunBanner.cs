using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Jetstream.AppHost.Console;

/// <summary>
/// What the terminal shows: once every resource is healthy, the URLs to open and the admin token (its only showing),
/// then, offline, one line per delivery as the receiver prints it. A resource that ends, or is not healthy in time,
/// stops the run with the end of its console.
/// </summary>
internal sealed class RunBanner(
    ResourceNotificationService notifications,
    ResourceLoggerService logs,
    ResourceLogFiles logFiles,
    IHostApplicationLifetime lifetime,
    IConfiguration configuration,
    RunSettings run,
    IReadOnlyList<IResource> resources,
    ParameterResource adminToken,
    TimeSpan startTimeout) : BackgroundService
{
    public const string ReceiverName = "receiver";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(startTimeout);
        var waits = resources.ToDictionary(r => r.Name, r => notifications.WaitForResourceAsync(r.Name, IsHealthyOrEnded, timeout.Token));
        try
        {
            while (waits.Count > 0)
            {
                var done = await Task.WhenAny(waits.Values);
                var (name, _) = waits.First(w => w.Value == done);
                waits.Remove(name);
                var resourceEvent = await done;
                if (resourceEvent.Snapshot.HealthStatus != HealthStatus.Healthy)
                {
                    Fail($"{name} ended ({resourceEvent.Snapshot.State?.Text}) while starting", name);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            var late = waits.Keys.ToArray();
            Fail($"not healthy within {startTimeout.TotalSeconds:0} s (JETSTREAM_START_TIMEOUT): {string.Join(", ", late)}", late[0]);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        System.Console.WriteLine(await BannerAsync(stoppingToken));
        if (run.Offline)
        {
            await PrintDeliveriesAsync(stoppingToken);
        }
    }

    private static bool IsHealthyOrEnded(ResourceEvent e) =>
        e.Snapshot.HealthStatus == HealthStatus.Healthy || KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text);

    private async Task<string> BannerAsync(CancellationToken cancellationToken)
    {
        var ports = run.Ports;
        var api = $"http://127.0.0.1:{ports.Api}";
        var token = await adminToken.GetValueAsync(cancellationToken);
        var tokenSource = string.IsNullOrEmpty(configuration["Api:AdminToken"]) ? "generated for this run" : "from Api__AdminToken";
        var dashboard = configuration["AppHost:BrowserToken"] is { Length: > 0 } browserToken
            ? $"http://127.0.0.1:{ports.Dashboard}/login?t={browserToken}"
            : $"http://127.0.0.1:{ports.Dashboard}/";
        var jetstream = run.Offline
            ? $"ws://127.0.0.1:{ports.Emulator}/subscribe (emulator, {run.EmulatorEventsPerSecond.ToString(CultureInfo.InvariantCulture)} events/s)"
            : configuration["Jetstream:Endpoints:0"] ?? "the public Jetstream";
        var webhook = run.Offline ? $"http://127.0.0.1:{ports.Receiver}/ (the printing receiver)" : configuration["Webhook:Url"];
        return $"""

            Jetstream.Orleans is running{(run.Offline ? " offline (Jetstream emulator, printing webhook receiver)" : "")}.
              Aspire dashboard    {dashboard}
                                  every resource's console, structured logs, traces and metrics
              Stats dashboard     {api}/stats/html
              Stats (JSON)        {api}/stats
              Orleans Dashboard   {api}/dashboard/  (user: any, password: the admin token)
              Metrics             {api}/metrics  http://127.0.0.1:{ports.Silo1}/metrics  http://127.0.0.1:{ports.Silo2}/metrics  http://127.0.0.1:{ports.Consumer}/metrics
              Admin token         {token}  ({tokenSource})
                                  curl -X POST -H "Authorization: Bearer {token}" {api}/reconnect
              Jetstream           {jetstream}
              Webhook             {webhook}
              Logs                {Path.GetDirectoryName(logFiles.PathOf(ReceiverName))}
            Press Ctrl-C to stop everything.
            """;
    }

    private async Task PrintDeliveriesAsync(CancellationToken stoppingToken)
    {
        System.Console.WriteLine();
        System.Console.WriteLine("Deliveries (printed by the webhook receiver):");
        // The receiver's console also holds Aspire's lines about starting it; its own begin with the one saying where it
        // listens, which the banner has already shown.
        var started = false;
        try
        {
            await foreach (var batch in logs.WatchAsync(resources.Single(r => r.Name == ReceiverName)).WithCancellation(stoppingToken))
            {
                foreach (var line in batch.Select(l => WithoutTimestamp(l.Content)))
                {
                    if (started)
                    {
                        System.Console.WriteLine(line);
                    }
                    else
                    {
                        started = line.StartsWith("Webhook receiver listening on", StringComparison.Ordinal);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Fail(string reason, string resourceName)
    {
        var log = logFiles.PathOf(resourceName);
        System.Console.Error.WriteLine($"AppHost: {reason}; the end of {log}:");
        if (File.Exists(log))
        {
            foreach (var line in File.ReadLines(log).TakeLast(30))
            {
                System.Console.Error.WriteLine(line);
            }
        }

        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }

    // Aspire stamps each console line with the time it was read; the receiver's lines carry their own.
    private static string WithoutTimestamp(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        return space > 0 && DateTimeOffset.TryParse(line.AsSpan(0, space), CultureInfo.InvariantCulture, DateTimeStyles.None, out _) ? line[(space + 1)..] : line;
    }
}
