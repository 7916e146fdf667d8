using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>
/// The consumer's Orleans client, set up as the Api's is (<see cref="ClusterClientHostingExtensions"/>) but in a host of
/// its own, started in the background: an Orleans client's start waits until a gateway answers, and the consumer must
/// start, poll and deliver while no silo is reachable. Not before a loop first finds its queue empty
/// (<see cref="Start"/>): the client only shortens idle waits, and built at once it compiled about 3,000 methods
/// (Orleans, its serializer) while a backlog waited, a third of the consumer's JIT in its first minute
/// (docs/cold-start.md). <see cref="Connected"/> completes when the client first reaches
/// the cluster; after that Orleans reconnects by itself, and <see cref="Recovered"/> and <see cref="Lost"/> say when.
/// Stopped after the delivery loops (registered before them), so they can unregister on the way out.
/// </summary>
internal sealed class ClusterConnection(
    IConfiguration configuration,
    StorageConnection storage,
    IOptions<WakeOnWriteOptions> options,
    IOptions<OrleansHostingOptions> orleans,
    ILoggerFactory loggerFactory,
    TimeProvider time) : BackgroundService, IClusterConnectionStatusObserver
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly TaskCompletionSource<IClusterClient> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _wanted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ClusterConnection>();
    private IHost? _client;

    /// <summary>The client once it has reached the cluster; never completes while wake-on-write is off.</summary>
    public Task<IClusterClient> Connected => _connected.Task;

    /// <summary>A loop is idle and would wait less with the client: builds and connects it, once (later calls do nothing).</summary>
    public void Start() => _wanted.TrySetResult();

    /// <summary>The client is connected again after it had lost every gateway: registrations may be gone.</summary>
    public event Action? Recovered;

    /// <summary>The client lost every gateway: no call can reach a consumer now.</summary>
    public event Action? Lost;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_client is null)
        {
            return;
        }

        // Nothing depends on a graceful close (the processors forget this consumer when a call fails or its lease runs
        // out), and the silos are often stopping at the same moment: a close that waits for them only delays the exit.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(CloseTimeout);
        try
        {
            await _client.StopAsync(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            WakeLog.StopFailed(_logger, $"the cluster did not answer within {CloseTimeout.TotalSeconds:F0} s; closed without waiting");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            WakeLog.StopFailed(_logger, ex.Message);
        }

        _client.Dispose();
    }

    void IClusterConnectionStatusObserver.NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (connectionRecovered)
        {
            WakeLog.Connected(_logger);
            Recovered?.Invoke();
        }
    }

    void IClusterConnectionStatusObserver.NotifyClusterConnectionLost()
    {
        WakeLog.ConnectionLost(_logger);
        Lost?.Invoke();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            await _wanted.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(time);
        // The consumer's own host handles SIGTERM and stops this one, after its loops.
        builder.Services.AddSingleton<IHostLifetime, OwnedHostLifetime>();
        builder.Services.AddJetstreamClusterClient(configuration, storage.TableService, client => client.AddClusterConnectionStatusObserver(this));
        _client = builder.Build();
        WakeLog.Connecting(_logger, orleans.Value.Clustering.ToString(), orleans.Value.ClusterId);
        try
        {
            // Returns once a gateway has answered: GatewayConnectionRetryFilter retries until then, or until the host stops.
            await _client.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        WakeLog.Connected(_logger);
        _connected.TrySetResult(_client.Services.GetRequiredService<IClusterClient>());
    }

    /// <summary>A lifetime that waits for nothing and listens to no signal: the host that owns this one decides.</summary>
    private sealed class OwnedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
