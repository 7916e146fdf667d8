using Azure.Storage.Queues.Models;
using Jetstream.EventQueue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// The poll loop: receive a batch, deliver it, receive again at once while there is work; on an empty queue wait
/// 10 ms doubling up to <c>Webhook:MaxPollInterval</c>. While a batch is delivered the next one is already received,
/// and a delivered batch is settled (a storage request per message) while the next one is delivered, one batch settling
/// at a time; batches are still delivered one after another, in order. Stopping lets the batches in hand finish
/// unless the host's shutdown timeout runs out first; then the batch is abandoned and its messages reappear after the
/// visibility timeout.
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

    // The previous batch's settling, which overlaps the next receive and delivery.
    private Task _settling = Task.CompletedTask;

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
        try
        {
            await PollAsync(stoppingToken);
        }
        finally
        {
            await _settling;
        }
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var idleWait = FirstIdleWait;
        Task<(DateTimeOffset ReceivedAt, QueueMessage[]? Messages)>? prefetched = null;
        while (prefetched is not null || !stoppingToken.IsCancellationRequested)
        {
            // A batch fetched while the previous one was delivered is in hand: it is delivered even when stopping.
            var (receivedAt, messages) = await (prefetched ?? ReceiveAsync(stoppingToken));
            prefetched = null;
            if (messages is null)
            {
                continue;
            }

            if (messages.Length == 0)
            {
                await Task.Delay(idleWait, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                idleWait = idleWait * 2 < _options.MaxPollInterval ? idleWait * 2 : _options.MaxPollInterval;
                continue;
            }

            idleWait = FirstIdleWait;
            if (!stoppingToken.IsCancellationRequested)
            {
                // The next batch is fetched while this one is delivered, so delivery does not stop for a storage round trip.
                prefetched = ReceiveAsync(stoppingToken);
            }

            IReadOnlyList<BatchItem> delivered;
            try
            {
                delivered = await _processor.DeliverAsync(messages, receivedAt, _abort.Token);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ConsumerLog.BatchFailed(_logger, ex, messages.Length);
                continue;
            }

            await _settling;
            _settling = SettleAsync(delivered, messages.Length);
        }
    }

    /// <summary>One receive; no messages (null) when it failed (logged, after a pause) or the host is stopping.</summary>
    private async Task<(DateTimeOffset ReceivedAt, QueueMessage[]? Messages)> ReceiveAsync(CancellationToken stoppingToken)
    {
        var receivedAt = _timeProvider.GetUtcNow();
        try
        {
            await _clients.EnsureCreatedAsync(stoppingToken);
            QueueMessage[] messages = await _clients.Queue.ReceiveMessagesAsync(_options.BatchSize, _options.VisibilityTimeout, stoppingToken);
            _health.ReceiveSucceeded();
            return (receivedAt, messages);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return (receivedAt, null);
        }
        catch (Exception ex)
        {
            ConsumerLog.ReceiveFailed(_logger, ex, _options.MaxPollInterval);
            await Task.Delay(_options.MaxPollInterval, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return (receivedAt, null);
        }
    }

    /// <summary>Never throws: a failure is logged and the batch's messages reappear after the visibility timeout.</summary>
    private async Task SettleAsync(IReadOnlyList<BatchItem> delivered, int messageCount)
    {
        try
        {
            await _processor.SettleAsync(delivered, _abort.Token);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            // Abandoned on shutdown, as a crash would.
        }
        catch (Exception ex)
        {
            ConsumerLog.BatchFailed(_logger, ex, messageCount);
        }
    }
}
