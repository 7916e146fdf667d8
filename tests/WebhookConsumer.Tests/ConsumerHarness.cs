using System.Security.Cryptography;
using Azure.Storage.Queues.Models;
using Jetstream.EventQueue;
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
    private readonly List<IHost> _consumers = [];

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

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    public static async Task<ConsumerHarness> CreateAsync(ITestOutputHelper output, string name, bool recordDeliveries = true)
    {
        var connectionString = await SharedAzurite.GetConnectionStringAsync();
        var queueOptions = new QueueOptions { Name = TestNames.Queue(name), LargeEventContainer = TestNames.Queue(name + "-large") };
        var clients = new EventQueueClients(new StorageConnection(connectionString), queueOptions, new Jetstream.EventQueue.Subscriptions.SubscriptionOptions(), Jetstream.EventQueue.Subscriptions.SubscriptionDocument.DefaultId);
        await clients.EnsureCreatedAsync();
        var secret = NewSecret();
        var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = secret, RecordDeliveries = recordDeliveries });
        return new ConsumerHarness(output, connectionString, clients, receiver, secret);
    }

    /// <summary>Queues <paramref name="events"/> in order, <paramref name="perMessage"/> to a message, never expiring.</summary>
    public async Task SendAsync(IReadOnlyList<QueuedEvent> events, int perMessage)
    {
        foreach (var chunk in events.Chunk(perMessage))
        {
            await Clients.Queue.SendMessageAsync(QueueMessageCodec.Encode(chunk), timeToLive: TimeSpan.FromSeconds(-1));
        }
    }

    /// <summary>Starts a consumer host on this harness's queue and receiver; <paramref name="settings"/> override the defaults.</summary>
    public async Task<IHost> StartConsumerAsync(IDictionary<string, string?>? settings = null, string label = "consumer")
    {
        var host = BuildConsumer(settings, label);
        await host.StartAsync();
        _consumers.Add(host);
        return host;
    }

    public IHost BuildConsumer(IDictionary<string, string?>? settings = null, string label = "consumer")
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:AzureStorage"] = _connectionString,
            ["Queue:Name"] = Clients.Options.Name,
            ["Queue:LargeEventContainer"] = Clients.Options.LargeEventContainer,
            ["Subscriptions:Container"] = Clients.Options.Name + "-subs",
            ["Webhook:Url"] = Receiver.Url.ToString(),
            ["Webhook:Secret"] = Secret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.AddProvider(new XunitLoggerProvider(_output, label));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.AddWebhookConsumer();
        return builder.Build();
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
    public int OvertakenWithinDid(IReadOnlyList<QueuedEvent> queued)
    {
        var position = queued.Select((e, i) => (e.EventId, i)).ToDictionary(x => x.EventId, x => x.i);
        var seen = new HashSet<string>();
        return Receiver.Deliveries
            .Where(d => seen.Add(d.Id))
            .GroupBy(d => queued[position[d.Id]].Did)
            .Sum(did => did.Zip(did.Skip(1)).Count(pair => position[pair.Second.Id] < position[pair.First.Id]));
    }

    public void Report(string line) => _output.WriteLine(line);

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
    }
}
