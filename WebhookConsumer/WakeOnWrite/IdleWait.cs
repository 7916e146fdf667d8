using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>
/// How long a subscription's loop waits after an empty receive. Without a live signal, as always: 10 ms doubling up to
/// <c>Webhook:MaxPollInterval</c>. With one, a write wakes the wait at once, and the wait is
/// <c>WakeOnWrite:IdlePollInterval</c> when the queue is quiet: its approximate message count (read once each time
/// the queue empties, after the batch in hand is settled) is 0, so no retry can come due and no message can come back
/// from another consumer's hands without a write to announce it. A queue that is not quiet is polled as without the
/// signal (a retry is then attempted on time, and the per-DID grace period, which counts on that poll, still holds),
/// and its count is read again at most once a minute. A poll that ends a quiet wait and finds events no call
/// announced renews the registration at once: the processor may have moved.
/// </summary>
internal sealed class IdleWait(QueueWriteSignal? signal, QueueClient queue, TimeSpan maxPollInterval, TimeSpan idlePollInterval, TimeProvider time, ILogger logger, string subscriptionId)
{
    // Short, because while events trickle in (a few a second to hundreds) the queue is often empty for a moment and this
    // wait is most of their latency; the doubling still brings an idle consumer to MaxPollInterval within about a second.
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan RecountAfter = TimeSpan.FromMinutes(1);

    private TimeSpan _backoff = FirstWait;
    private bool? _quiet;
    private long _countedAt;
    private bool _quietWaitRanOut;

    /// <summary>A receive found messages: the next empty receive starts again from the shortest wait.</summary>
    public void Found()
    {
        if (_quietWaitRanOut)
        {
            WakeLog.Unannounced(logger, subscriptionId);
            signal?.RenewSoon();
        }

        _quietWaitRanOut = false;
        _backoff = FirstWait;
        _quiet = null;
    }

    /// <summary>Waits after an empty receive; <paramref name="settling"/> is the batch being settled, awaited before the queue is counted.</summary>
    public async Task WaitAsync(Task settling, CancellationToken cancellationToken)
    {
        _quietWaitRanOut = false;
        if (signal is null)
        {
            await Task.Delay(_backoff, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Grow();
            return;
        }

        if (signal.Live && (_quiet is null || (_quiet == false && _backoff == maxPollInterval && time.GetElapsedTime(_countedAt) >= RecountAfter)))
        {
            await settling;
            _quiet = await IsEmptyAsync(cancellationToken);
            _countedAt = time.GetTimestamp();
        }

        var quiet = signal.Live && _quiet == true;
        if (await signal.WaitAsync(quiet ? idlePollInterval : _backoff, cancellationToken))
        {
            return;
        }

        if (quiet)
        {
            _quietWaitRanOut = true;
        }
        else
        {
            Grow();
        }
    }

    private void Grow() => _backoff = _backoff * 2 < maxPollInterval ? _backoff * 2 : maxPollInterval;

    private async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        try
        {
            QueueProperties properties = await queue.GetPropertiesAsync(cancellationToken);
            return properties.ApproximateMessagesCount == 0;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Not known to be quiet: polled as without the signal; the receive that follows reports a storage outage.
            return false;
        }
    }
}
