using System.Globalization;
using Jetstream.TestSupport;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The processes of one scenario: the emulator with the scenario's profile, then a Silo and a WebhookConsumer with a
/// fresh cluster id, queue and grain state, so each scenario's CPU and peak RSS are its own.
/// </summary>
internal sealed class ScenarioStack : IAsyncDisposable
{
    public const string WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private readonly RepoLayout _layout;
    private readonly Azurite _azurite;
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private Uri? _siloMetrics;
    private ThreadCpu? _siloTiering;
    private ThreadCpu? _consumerTiering;
    private Uri? _consumerMetrics;

    private ScenarioStack(RepoLayout layout, Azurite azurite, StreamProfile profile, ChildProcess emulator, EmulatorControl control)
    {
        _layout = layout;
        _azurite = azurite;
        Profile = profile;
        Emulator = emulator;
        Control = control;
    }

    public StreamProfile Profile { get; }

    public ChildProcess Emulator { get; }

    public EmulatorControl Control { get; }

    public ChildProcess? Silo { get; private set; }

    public ChildProcess? Consumer { get; private set; }

    public ProcessorProbe? Probe { get; private set; }

    public string QueueName => $"bench-{Profile.Name}-{_id}";

    /// <summary>The dead-letter queue the consumer moves exhausted events to (docs/queue-contract.md).</summary>
    public string DeadLetterQueueName => QueueName + "-poison";

    public static async Task<ScenarioStack> StartEmulatorAsync(RepoLayout layout, Azurite azurite, StreamProfile profile)
    {
        var port = FreePort.Next();
        var arguments = new List<string>
        {
            "--urls", $"http://127.0.0.1:{port}",
            "--Emulator:EventsPerSecond=0",
            $"--Emulator:Seed={StreamProfile.Seed}",
            "--Emulator:CommitShare=" + profile.CommitShare.ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default=Warning",
        };
        if (profile.EmulatorArguments is { } mix)
        {
            arguments.AddRange(mix);
        }
        else
        {
            arguments.AddRange(StreamProfile.Wanted.Select((c, i) => $"--Emulator:Collections:{i}={c}"));
        }

        var emulator = ChildProcess.StartDotnet("emulator", layout.EmulatorDll, arguments);
        var control = new EmulatorControl(new Uri($"http://127.0.0.1:{port}"));
        await Ports.WaitUntilAsync(control.IsUpAsync, TimeSpan.FromSeconds(60), "Emulator start", emulator);
        return new ScenarioStack(layout, azurite, profile, emulator, control);
    }

    /// <summary>
    /// Starts the Silo and the WebhookConsumer and waits until the processor is subscribed and the consumer polls. The
    /// hosts reach storage through <paramref name="storageConnectionString"/> when given (a counting proxy), else Azurite.
    /// </summary>
    public async Task StartPipelineAsync(Uri webhookUrl, IEnumerable<string> extraSiloEnvironment, IEnumerable<string> extraConsumerEnvironment, string? storageConnectionString = null)
    {
        var storage = storageConnectionString ?? _azurite.ConnectionString;
        var gatewayPort = FreePort.Next();
        var siloHttp = FreePort.Next();
        var cluster = "bench-" + _id;
        var silo = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = cluster,
            ["Orleans__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Urls"] = $"http://127.0.0.1:{siloHttp}",
            ["Jetstream__Endpoints__0"] = Control.SubscribeUri.ToString(),
            ["Jetstream__InitialBackoffMs"] = "200",
            ["Queue__Name"] = QueueName,
            ["Subscriptions__Container"] = QueueName + "-subs",
        };
        if (Profile.AllCollections)
        {
            silo["Jetstream__AllCollections"] = "true";
        }
        else
        {
            for (var i = 0; i < StreamProfile.Wanted.Length; i++)
            {
                silo[$"Jetstream__WantedCollections__{i}"] = StreamProfile.Wanted[i];
            }
        }

        foreach (var (name, value) in _layout.SiloImageRuntimeEnvironment())
        {
            silo[name] = value;
        }

        foreach (var pair in extraSiloEnvironment.Select(e => e.Split('=', 2)))
        {
            silo[pair[0]] = pair[1];
        }

        Silo = ChildProcess.StartDotnet("silo", _layout.SiloDll, [], silo);
        _siloTiering = ThreadCpu.Watch(Silo.Pid, ThreadCpu.TieredCompilation);
        _siloMetrics = new Uri($"http://127.0.0.1:{siloHttp}/metrics");

        var consumerHttp = FreePort.Next();
        var consumer = new Dictionary<string, string>
        {
            ["ConnectionStrings__AzureStorage"] = storage,
            ["Queue__Name"] = QueueName,
            ["Subscriptions__Container"] = QueueName + "-subs",
            ["Webhook__Url"] = webhookUrl.ToString(),
            ["Webhook__Secret"] = WebhookSecret,
            ["Urls"] = $"http://127.0.0.1:{consumerHttp}",
            // Wake-on-write: the consumer joins this Silo's cluster as an Orleans client, through its gateway.
            ["Orleans__ClusterId"] = cluster,
            ["Orleans__ServiceId"] = cluster,
            ["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var pair in extraConsumerEnvironment.Select(e => e.Split('=', 2)))
        {
            consumer[pair[0]] = pair[1];
        }

        Consumer = ChildProcess.StartDotnet("consumer", _layout.ConsumerDll, [], consumer);
        _consumerTiering = ThreadCpu.Watch(Consumer.Pid, ThreadCpu.TieredCompilation);
        _consumerMetrics = new Uri($"http://127.0.0.1:{consumerHttp}/metrics");

        await Ports.WaitUntilAsync(async () => (await Control.StatsAsync()).Connections >= 1, TimeSpan.FromSeconds(90), "The processor's subscription", Silo);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Ports.WaitUntilAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{consumerHttp}/health");
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "The consumer's first receive", Consumer);
        Probe = await ProcessorProbe.ConnectAsync(gatewayPort, cluster, cluster, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Queue messages the processor has written so far: the count of its <c>jetstream.queue.send.duration</c> histogram
    /// on the Silo's Prometheus endpoint (one observation per successful write).
    /// </summary>
    public async Task<long> QueueWritesAsync() =>
        (long)(await SiloMetricsAsync("jetstream_queue_send_duration_seconds_count")).Sum(sample => sample.Value);

    /// <summary>
    /// The Silo's GC heap per generation after its last collection (<c>dotnet.gc.last_collection.heap.size</c> on its
    /// Prometheus endpoint), keyed by generation: gen0, gen1, gen2, loh, poh.
    /// </summary>
    public async Task<Dictionary<string, long>> SiloGcHeapAsync()
    {
        const string Label = "gc_heap_generation=\"";
        var heap = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (labels, value) in await SiloMetricsAsync("dotnet_gc_last_collection_heap_size_bytes"))
        {
            var start = labels.IndexOf(Label, StringComparison.Ordinal);
            if (start >= 0)
            {
                start += Label.Length;
                heap[labels[start..labels.IndexOf('"', start)]] = (long)value;
            }
        }

        return heap;
    }

    /// <summary>
    /// The JIT's work so far in the Silo and the consumer: seconds compiling and methods compiled (the runtime's
    /// <c>dotnet.jit.compilation.time</c> and <c>dotnet.jit.compiled_methods</c> on each host's Prometheus endpoint).
    /// </summary>
    public async Task<JitTotals> JitAsync()
    {
        const string Time = "dotnet_jit_compilation_time_seconds_total";
        const string Methods = "dotnet_jit_compiled_methods_total";
        var silo = _siloMetrics ?? throw new InvalidOperationException("The Silo is not started.");
        var consumer = _consumerMetrics ?? throw new InvalidOperationException("The consumer is not started.");
        return new JitTotals(
            (await MetricsAsync(silo, Time)).Sum(s => s.Value), (long)(await MetricsAsync(silo, Methods)).Sum(s => s.Value),
            (await MetricsAsync(consumer, Time)).Sum(s => s.Value), (long)(await MetricsAsync(consumer, Methods)).Sum(s => s.Value),
            _siloTiering!.Seconds, _consumerTiering!.Seconds);
    }

    private Task<List<(string Labels, double Value)>> SiloMetricsAsync(string metric) =>
        MetricsAsync(_siloMetrics ?? throw new InvalidOperationException("The Silo is not started."), metric);

    /// <summary>The samples of one metric on a host's Prometheus endpoint: their label text and value.</summary>
    private static async Task<List<(string Labels, double Value)>> MetricsAsync(Uri endpoint, string metric)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(endpoint);
        var samples = new List<(string, double)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && line.Length > metric.Length && line[metric.Length] is '{' or ' ')
            {
                var space = line.LastIndexOf(' ');
                samples.Add((line[metric.Length..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
            }
        }

        return samples;
    }

    /// <summary>The hosts of this scenario with the shared ones (Azurite; the receiver lives in this process).</summary>
    public IEnumerable<(string Name, Func<ProcSample> Sample)> Hosts()
    {
        yield return ("Azurite (node)", _azurite.Process.Sample);
        yield return ("Emulator", Emulator.Sample);
        if (Silo is not null)
        {
            yield return ("Silo", Silo.Sample);
        }

        if (Consumer is not null)
        {
            yield return ("WebhookConsumer", Consumer.Sample);
        }

        yield return ("Bench process (receiver)", () => ProcSample.Read(Environment.ProcessId));
    }

    public async ValueTask DisposeAsync()
    {
        if (Probe is not null)
        {
            await Probe.DisposeAsync();
        }

        _siloTiering?.Dispose();
        _consumerTiering?.Dispose();
        foreach (var process in new[] { Consumer, Silo, Emulator })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        Control.Dispose();
    }
}
