using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Jetstream.TestSupport;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// A cluster as deployed: Silo processes on Azure Table clustering (same cluster and service id, their own ports), the
/// Api as an Orleans client managing subscriptions, and one WebhookConsumer, all on one storage connection and one
/// emulator. Jetstream and membership settings are the hosts' defaults.
/// </summary>
internal sealed class SubscriptionCluster : IAsyncDisposable
{
    /// <summary>Each processor logs this once when it activates (Grains/Log.cs), so a silo's count says how many it holds.</summary>
    public const string ProcessorStarted = ": starting at cursor";

    private const string AdminToken = "bench-admin-token-0123456789";

    private readonly HttpClient _api = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<ChildProcess> _silos = [];

    private SubscriptionCluster(string id) => Id = id;

    public string Id { get; }

    public IReadOnlyList<ChildProcess> Silos => _silos;

    public ChildProcess Api { get; private set; } = null!;

    public ChildProcess Consumer { get; private set; } = null!;

    public static async Task<SubscriptionCluster> StartAsync(RepoLayout layout, BenchSettings settings, string storage, EmulatorControl emulator, int silos, Uri defaultWebhook)
    {
        var cluster = new SubscriptionCluster("subs-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await cluster.StartHostsAsync(layout, settings, storage, emulator, silos, defaultWebhook);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a subscription through <c>POST /subscriptions</c>: one collection, one signed webhook.</summary>
    public async Task CreateAsync(string id, string collection, Uri webhook)
    {
        var body = $$$"""{"id":"{{{id}}}","wantedCollections":["{{{collection}}}"],"webhook":{"url":"{{{webhook}}}","secrets":["{{{ScenarioStack.WebhookSecret}}}"]}}""";
        using var response = await _api.PostAsync("/subscriptions", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /subscriptions {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// Creates a subscription of batched webhooks (<c>webhook.batchMaxEvents</c>), reading <paramref name="collection"/>,
    /// with nothing backfilled yet (<see cref="StartBackfillAsync"/>).
    /// </summary>
    public async Task CreateBatchedAsync(string id, string collection, Uri webhook, int batchMaxEvents)
    {
        var body = $$$"""{"id":"{{{id}}}","wantedCollections":["{{{collection}}}"],"webhook":{"url":"{{{webhook}}}","secrets":["{{{ScenarioStack.WebhookSecret}}}"],"batchMaxEvents":{{{batchMaxEvents}}}}}""";
        using var response = await _api.PostAsync("/subscriptions", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /subscriptions {id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary><c>POST /subscriptions/{id}/backfill</c> (issue 18): every repository the relay lists for its collections.</summary>
    public async Task StartBackfillAsync(string id)
    {
        using var response = await _api.PostAsync($"/subscriptions/{id}/backfill", null);
        if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /subscriptions/{id}/backfill answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary><c>GET /subscriptions/{id}/backfill</c>: the status JSON (docs/backfill.md).</summary>
    public async Task<System.Text.Json.JsonDocument> BackfillStatusAsync(string id) =>
        System.Text.Json.JsonDocument.Parse(await _api.GetStringAsync($"/subscriptions/{id}/backfill"));

    /// <summary><c>DELETE /subscriptions/{id}?discard=true</c>: stops it and drops its queues with what they hold.</summary>
    public async Task DiscardAsync(string id)
    {
        using var response = await _api.DeleteAsync($"/subscriptions/{id}?discard=true");
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"DELETE /subscriptions/{id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary><c>GET /subscriptions</c>: the time it took and the size of the answer.</summary>
    public async Task<(TimeSpan Elapsed, long Bytes)> ListAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var bytes = await _api.GetByteArrayAsync("/subscriptions");
        return (clock.Elapsed, bytes.LongLength);
    }

    /// <summary>The silo whose processors started most often: the one holding most subscriptions.</summary>
    public ChildProcess Busiest() => _silos.Where(s => !s.HasExited).MaxBy(s => s.CountedLines(ProcessorStarted))!;

    /// <summary>The running hosts, silos first.</summary>
    public IEnumerable<(string Name, Func<ProcSample> Sample)> Hosts()
    {
        for (var i = 0; i < _silos.Count; i++)
        {
            if (!_silos[i].HasExited)
            {
                yield return ($"Silo {i + 1}", _silos[i].Sample);
            }
        }

        yield return ("Api", Api.Sample);
        yield return ("WebhookConsumer", Consumer.Sample);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in new[] { Consumer, Api }.Concat(_silos).Where(p => p is not null))
        {
            await process.DisposeAsync();
        }

        _api.Dispose();
    }

    private async Task StartHostsAsync(RepoLayout layout, BenchSettings settings, string storage, EmulatorControl emulator, int silos, Uri defaultWebhook)
    {
        var orleans = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Orleans__Clustering"] = "AzureStorage",
            ["Orleans__AdvertisedIPAddress"] = "127.0.0.1",
            ["Orleans__ClusterId"] = Id,
            ["Orleans__ServiceId"] = Id,
            ["Queue__Name"] = Id,
            ["Subscriptions__Container"] = Id + "-subs",
            ["Subscriptions__KeyContainer"] = Id + "-keys",
        };

        for (var i = 0; i < silos; i++)
        {
            var environment = new Dictionary<string, string>(orleans)
            {
                ["Orleans__SiloPort"] = Port(),
                ["Orleans__GatewayPort"] = Port(),
                ["Urls"] = $"http://127.0.0.1:{Port()}",
                ["Jetstream__Endpoints__0"] = emulator.SubscribeUri.ToString(),
                // default reads a collection nobody publishes: the subscriptions are what is measured.
                ["Jetstream__WantedCollections__0"] = "bench.subs.none",
            };
            foreach (var (name, value) in layout.SiloImageRuntimeEnvironment().Concat(Pairs(settings.SiloEnvironment)))
            {
                environment[name] = value;
            }

            var silo = ChildProcess.StartDotnet($"silo {i + 1}", layout.SiloDll, [], environment);
            silo.CountLines(ProcessorStarted);
            silo.CountLines("Activated ");
            _silos.Add(silo);
        }

        foreach (var silo in _silos)
        {
            await Ports.WaitUntilAsync(() => Task.FromResult(silo.CountedLines("Activated ") > 0), TimeSpan.FromSeconds(180), "The silo's start", silo);
        }

        var apiPort = FreePort.Next();
        Api = ChildProcess.StartDotnet("api", layout.ApiDll, [], new Dictionary<string, string>(orleans)
        {
            ["Urls"] = $"http://127.0.0.1:{apiPort}",
            ["Api__AdminToken"] = AdminToken,
            ["Webhook__AllowPrivateNetworks"] = "true",
        });
        _api.BaseAddress = new Uri($"http://127.0.0.1:{apiPort}");
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);

        var consumerPort = FreePort.Next();
        var consumer = new Dictionary<string, string>(orleans)
        {
            ["Urls"] = $"http://127.0.0.1:{consumerPort}",
            ["Webhook__Url"] = defaultWebhook.ToString(),
            ["Webhook__Secret"] = ScenarioStack.WebhookSecret,
            ["Webhook__AllowPrivateNetworks"] = "true",
        };
        foreach (var (name, value) in Pairs(settings.ConsumerEnvironment))
        {
            consumer[name] = value;
        }

        Consumer = ChildProcess.StartDotnet("consumer", layout.ConsumerDll, [], consumer);
        await Ports.WaitUntilAsync(async () => (await emulator.StatsAsync()).Connections >= 1, TimeSpan.FromSeconds(120), "default's socket", _silos[0]);
        await WaitHealthyAsync($"http://127.0.0.1:{apiPort}/health/ready", Api);
        await WaitHealthyAsync($"http://127.0.0.1:{consumerPort}/health", Consumer);
    }

    private static async Task WaitHealthyAsync(string url, ChildProcess process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Ports.WaitUntilAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync(url);
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(120), $"{process.Name} healthy ({url})", process);
    }

    private static string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<KeyValuePair<string, string>> Pairs(IEnumerable<string> settings) =>
        settings.Select(e => e.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], p[1]));
}
