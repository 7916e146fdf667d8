using Jetstream.EventQueue;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>
/// The poll loop: receive a batch, deliver it, receive again at once while there is work; on an empty queue wait
/// 50 ms doubling up to <c>Webhook:MaxPollInterval</c>. Stopping lets the batch in hand finish unless the host's
/// shutdown timeout runs out first; then the batch is abandoned and its messages reappear after the visibility timeout.
/// </summary>
internal sealed class WebhookConsumerService : BackgroundService
{
    private static readonly TimeSpan FirstIdleWait = TimeSpan.FromMilliseconds(50);

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
        while (!stoppingToken.IsCancellationRequested)
        {
            var receivedAt = _timeProvider.GetUtcNow();
            Azure.Storage.Queues.Models.QueueMessage[] messages;
            try
            {
                await _clients.EnsureCreatedAsync(stoppingToken);
                messages = await _clients.Queue.ReceiveMessagesAsync(_options.BatchSize, _options.VisibilityTimeout, stoppingToken);
                _health.ReceiveSucceeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ConsumerLog.ReceiveFailed(_logger, ex, _options.MaxPollInterval);
                await Task.Delay(_options.MaxPollInterval, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            if (messages.Length == 0)
            {
                await Task.Delay(idleWait, _timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                idleWait = idleWait * 2 < _options.MaxPollInterval ? idleWait * 2 : _options.MaxPollInterval;
                continue;
            }

            idleWait = FirstIdleWait;
            try
            {
                await _processor.ProcessAsync(messages, receivedAt, _abort.Token);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                ConsumerLog.BatchFailed(_logger, ex, messages.Length);
            }
        }
    }
}
