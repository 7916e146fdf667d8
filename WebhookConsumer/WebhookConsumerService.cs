using Jetstream.EventQueue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// The poll loop. Batches are delivered one after another (so a DID's events keep queue order across them), while the
/// next batch is received during a delivery and the previous batch is settled during the next: storage round trips
/// stay off the delivery path. An empty receive waits 10 ms doubling up to <c>Webhook:MaxPollInterval</c>.
/// Stopping finishes the batches in hand unless the host's shutdown timeout runs out first; then they are abandoned,
/// as in a crash, and their messages reappear after the visibility timeout.
/// </summary>
internal sealed class WebhookConsumerService : BackgroundService
{
    // Short, because while events trickle in (a few a second to hundreds) the queue is often empty for a moment and this
    // wait is most of their latency; the doubling still brings an idle consumer to MaxPollInterval within about a second.
    private static readonly TimeSpan FirstIdleWait = TimeSpan.FromMilliseconds(10);

    private readonly EventQueueClients _clients;
    private readonly BatchProcessor _processor;
    private readonly ConsumerHealth _health;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<WebhookConsumerService> _logger;
    private readonly WebhookOptions _options;
    private readonly CancellationTokenSource _abort = new();

    public WebhookConsumerService(
        EventQueueClients clients,
        BatchProcessor processor,
        ConsumerHealth health,
        IOptions<WebhookOptions> options,
        TimeProvider timeProvider,
        ILogger<WebhookConsumerService> logger)
    {
        _clients = clients;
        _processor = processor;
        _health = health;
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options.Value;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var abortWhenOutOfTime = cancellationToken.Register(_abort.Cancel);
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _abort.Cancel();
        _abort.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ConsumerLog.Started(_logger, _clients.Options.Name, _options.Url!, !string.IsNullOrWhiteSpace(_options.Secret),
            _options.MaxConcurrency, _options.MaxAttempts, _options.RetrySchedule.Aggregate(TimeSpan.Zero, (sum, step) => sum + step));
        var idleWait = FirstIdleWait;
        var settling = Task.CompletedTask;
        Task<ReceivedBatch?>? next = null;
        try
        {
            while (next is not null || !stoppingToken.IsCancellationRequested)
            {
                var batch = next is null ? await ReceiveAsync(stoppingToken) : await next;
                next = null;
                if (batch is null)
                {
                    await Task.Delay(_options.MaxPollInterval, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    continue;
                }

                if (batch.Messages.Length == 0)
                {
                    await Task.Delay(idleWait, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    idleWait = idleWait * 2 < _options.MaxPollInterval ? idleWait * 2 : _options.MaxPollInterval;
                    continue;
                }

                idleWait = FirstIdleWait;

                // Not cancelled by a graceful stop: a receive cut off after the service dequeued would leave its
                // messages hidden for a whole visibility timeout. The batch it brings is delivered before stopping.
                next = stoppingToken.IsCancellationRequested ? null : ReceiveAsync(_abort.Token);
                IReadOnlyList<BatchItem> delivered;
                try
                {
                    delivered = await _processor.DeliverAsync(batch.Messages, batch.ReceivedAt, _abort.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
                {
                    ConsumerLog.BatchFailed(_logger, ex, batch.Messages.Length);
                    continue;
                }

                await settling;
                settling = SettleAsync(delivered);
            }

            await settling;
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Abandoned like a crash: unsettled messages reappear after their visibility timeout.
        }
    }

    private async Task SettleAsync(IReadOnlyList<BatchItem> delivered)
    {
        try
        {
            await _processor.SettleAsync(delivered, _abort.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            ConsumerLog.BatchFailed(_logger, ex, delivered.Count);
        }
    }

    /// <summary>One receive; null when it failed (logged), an empty batch when the queue had nothing visible.</summary>
    private async Task<ReceivedBatch?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var receivedAt = _timeProvider.GetUtcNow();
        try
        {
            await _clients.EnsureCreatedAsync(cancellationToken);
            var messages = await _clients.Queue.ReceiveMessagesAsync(_options.BatchSize, _options.VisibilityTimeout, cancellationToken);
            _health.ReceiveSucceeded();
            return new ReceivedBatch(messages.Value, receivedAt);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new ReceivedBatch([], receivedAt);
        }
        catch (Exception ex)
        {
            ConsumerLog.ReceiveFailed(_logger, ex, _options.MaxPollInterval);
            return null;
        }
    }
}
