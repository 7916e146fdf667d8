using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Queues.Models;
using Jetstream.Storage;
using Jetstream.Storage.Circuits;
using Jetstream.Storage.Subscriptions;
using Jetstream.TestSupport;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// One test's world: its own queue, dead-letter queue and large-event container on the shared Azurite, a real Kestrel
/// receiver on loopback, and consumer hosts built the way the WebhookConsumer's Program builds them.
/// </summary>
internal sealed class ConsumerHarness : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _connectionString;

    // Nothing listens there: consumers poll, as with no silo reachable, unless a test points them at one.
    private readonly int _unreachableGateway = FreePort.Next();
    private readonly List<IHost> _consumers = [];
    private readonly List<string> _subscriptionIds = [];
    private ServiceProvider? _storage;

    private ConsumerHarness(ITestOutputHelper output, string connectionString, EventQueueClients clients, WebhookReceiverHost receiver, string secret)
    {
        _output = output;
        _connectionString = connectionString;
        Clients = clients;
        DeadLetters = new DeadLetterQueue(clients);
        Receiver = receiver;
        Secret = secret;
    }

    public EventQueueClients Clients { get; }

    public DeadLetterQueue DeadLetters { get; }

    public WebhookReceiverHost Receiver { get; }

    /// <summary>The receiver's secret; consumers sign with it.</summary>
    public string Secret { get; }

    /// <summary>Every line any consumer of this harness logged at <see cref="LogLevel"/> or above, with exception text.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The lowest level consumers log at (the test output still shows Information and above).</summary>
    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    /// <summary>This test's subscription documents (<c>Subscriptions:Container</c> as the consumers read it).</summary>
    public SubscriptionStore Store => Storage.GetRequiredService<SubscriptionStore>();

    /// <summary>Protects webhook secrets with the consumers' key ring (<c>Subscriptions:KeyContainer</c>).</summary>
    public WebhookSecrets WebhookSecrets => Storage.GetRequiredService<WebhookSecrets>();

    public EventQueueClientsFactory Queues => Storage.GetRequiredService<EventQueueClientsFactory>();

    /// <summary>The circuit reports as the Api reads them (<c>Subscriptions:CircuitTable</c>, this test's own).</summary>
    public EndpointCircuitStore CircuitReports => Storage.GetRequiredService<EndpointCircuitStore>();

    private string CircuitTable { get; } = "circuits" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The Api's view of this test's storage: the same settings the consumers get, as a plain service provider.</summary>
    private ServiceProvider Storage => _storage ??= BuildStorage();

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static async Task<ConsumerHarness> CreateAsync(ITestOutputHelper output, string name, bool recordDeliveries = true)
    {
        var connectionString = await SharedAzurite.GetConnectionStringAsync();
        var queueOptions = new QueueOptions { Name = TestNames.Queue(name), LargeEventContainer = TestNames.Queue(name + "-large") };
        var clients = new EventQueueClients(new StorageConnection(connectionString), queueOptions, new Jetstream.Storage.Subscriptions.SubscriptionOptions(), Jetstream.Storage.Subscriptions.SubscriptionDocument.DefaultId);
        await clients.EnsureCreatedAsync();
        var secret = NewSecret();
        var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret, RecordDeliveries = recordDeliveries });
        return new ConsumerHarness(output, connectionString, clients, receiver, secret);
    }

    /// <summary>Queues <paramref name="events"/> in order, <paramref name="perMessage"/> to a message of <paramref name="version"/>, never expiring.</summary>
    public async Task SendAsync(IReadOnlyList<QueuedEvent> events, int perMessage, int version = QueueMessageCodec.PlainVersion)
    {
        foreach (var chunk in events.Chunk(perMessage))
        {
            await Clients.Queue.SendMessageAsync(QueueMessageCodec.Encode(chunk, version), timeToLive: TimeSpan.FromSeconds(-1));
        }
    }

    /// <summary>Starts a consumer host on this harness's queue and receiver; <paramref name="settings"/> override the defaults.</summary>
    public async Task<IHost> StartConsumerAsync(IDictionary<string, string?>? settings = null, string label = "consumer", Action<IServiceCollection>? services = null)
    {
        var host = BuildConsumer(settings, label, services);
        await host.StartAsync();
        _consumers.Add(host);
        return host;
    }

    /// <param name="services">Changes to the consumer's services after its own, e.g. internal knobs of its options.</param>
    public IHost BuildConsumer(IDictionary<string, string?>? settings = null, string label = "consumer", Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var configuration = BaseConfiguration();
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.AddProvider(new XunitLoggerProvider(_output, label));
        builder.Logging.AddProvider(new CapturingLoggerProvider(Logs, label));
        builder.Logging.SetMinimumLevel(LogLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.AddWebhookConsumer();
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// Writes a subscription document the way the Api does (secrets and token protected with the shared key ring) and
    /// remembers its id so its queues are removed after the test.
    /// </summary>
    public async Task<SubscriptionDocument> CreateSubscriptionAsync(string id, Uri url, IReadOnlyList<string> secrets, string? bearerToken = null, int? timeoutSeconds = null)
    {
        _subscriptionIds.Add(id);
        var now = DateTimeOffset.UtcNow;
        var document = new SubscriptionDocument
        {
            Id = id,
            WantedCollections = ["app.test.event"],
            Webhook = Webhook(url, secrets, bearerToken, timeoutSeconds),
            CreatedAt = now,
            UpdatedAt = now,
        };
        Assert.True(await Store.TryCreateAsync(document), $"subscription {id} exists already");
        return document;
    }

    public WebhookDocument Webhook(Uri url, IReadOnlyList<string> secrets, string? bearerToken = null, int? timeoutSeconds = null) => new()
    {
        Url = url.ToString(),
        ProtectedSecrets = WebhookSecrets.ProtectSecrets(secrets),
        SecretCount = secrets.Count,
        ProtectedBearerToken = WebhookSecrets.ProtectToken(bearerToken),
        TimeoutSeconds = timeoutSeconds,
    };

    /// <summary>A unique subscription id (valid, and its queue names fit Azure's limits).</summary>
    public string NewSubscriptionId(string prefix)
    {
        var id = TestNames.Queue(prefix)[..Math.Min(36, prefix.Length + 17)];
        _subscriptionIds.Add(id);
        return id;
    }

    /// <summary>Queues <paramref name="events"/> on a subscription's queue as the processor does.</summary>
    public async Task SendAsync(string subscriptionId, IReadOnlyList<QueuedEvent> events, int perMessage)
    {
        var clients = Queues.For(subscriptionId);
        await clients.EnsureCreatedAsync();
        foreach (var chunk in events.Chunk(perMessage))
        {
            await clients.Queue.SendMessageAsync(QueueMessageCodec.Encode(chunk), timeToLive: TimeSpan.FromSeconds(-1));
        }
    }

    private Dictionary<string, string?> BaseConfiguration() => new()
    {
        ["ConnectionStrings:AzureStorage"] = _connectionString,
        ["Queue:Name"] = Clients.Options.Name,
        ["Queue:LargeEventContainer"] = Clients.Options.LargeEventContainer,
        ["Subscriptions:Container"] = Clients.Options.Name + "-subs",
        ["Subscriptions:KeyContainer"] = Clients.Options.Name + "-keys",
        ["Subscriptions:RefreshSeconds"] = "1",

        // Each test its own table of circuit reports: every harness's first subscription is called default.
        ["Subscriptions:CircuitTable"] = CircuitTable,

        // Receivers listen on loopback; the test of the refusal turns this off.
        ["Webhook:AllowPrivateNetworks"] = "true",
        ["Webhook:Url"] = Receiver.Url.ToString(),
        ["Webhook:Secret"] = Secret,

        // Wake-on-write looks for a silo here (and finds none): see WakeOnWriteTests for consumers given a real one.
        ["Orleans:Clustering"] = "Localhost",
        ["Orleans:GatewayPort"] = _unreachableGateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:ClusterId"] = "none-" + Clients.Options.Name[..Math.Min(20, Clients.Options.Name.Length)],
    };

    private ServiceProvider BuildStorage()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(BaseConfiguration()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEventQueue(configuration);
        services.AddWebhookSecrets();
        return services.BuildServiceProvider();
    }

    /// <summary>Ends a consumer as a crash would: in-flight requests are cut off and nothing more is written to the queue.</summary>
    public async Task KillAsync(IHost host)
    {
        _consumers.Remove(host);
        try
        {
            await host.StopAsync(new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
    }

    public async Task<int> MainQueueCountAsync()
    {
        QueueProperties properties = await Clients.Queue.GetPropertiesAsync();
        return properties.ApproximateMessagesCount;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> at the deadline.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Deliveries that came before an earlier-queued event of the same DID (first deliveries only).</summary>
    public int OvertakenWithinDid(IReadOnlyList<QueuedEvent> queued) => OvertakenWithinDid(queued, Receiver.Deliveries);

    /// <summary>The same over <paramref name="deliveries"/> (from several receivers, merged here in arrival order).</summary>
    public int OvertakenWithinDid(IReadOnlyList<QueuedEvent> queued, IEnumerable<Delivery> deliveries) =>
        ReceivedEvents.Overtaken(queued, deliveries.OrderBy(d => d.ArrivedAt).Select(d => d.Id));

    public void Report(string line) => _output.WriteLine(line);

    /// <summary>Stops every consumer gracefully (batches in hand finished), so nothing logs after this.</summary>
    public async Task StopConsumersAsync()
    {
        foreach (var host in _consumers)
        {
            await host.StopAsync();
            host.Dispose();
        }

        _consumers.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _consumers)
        {
            await host.StopAsync();
            host.Dispose();
        }

        await Receiver.DisposeAsync();
        await Clients.Queue.DeleteIfExistsAsync();
        await Clients.PoisonQueue.DeleteIfExistsAsync();
        await Clients.LargeEvents.DeleteIfExistsAsync();
        await new Azure.Data.Tables.TableClient(_connectionString, CircuitTable).DeleteAsync();
        if (_storage is not null)
        {
            foreach (var id in _subscriptionIds)
            {
                await Queues.For(id).DeleteAllAsync();
            }

            var connection = _storage.GetRequiredService<StorageConnection>();
            var subscriptions = _storage.GetRequiredService<IOptions<SubscriptionOptions>>().Value;
            await new BlobContainerClient(connection.ConnectionString, subscriptions.Container).DeleteIfExistsAsync();
            await new BlobContainerClient(connection.ConnectionString, subscriptions.KeyContainer).DeleteIfExistsAsync();
            await _storage.DisposeAsync();
        }
    }
}
