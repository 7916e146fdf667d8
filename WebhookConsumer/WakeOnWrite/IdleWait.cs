using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>
/// How long a subscription's loop waits after an empty receive. Without a live signal, as always: 10 ms doubling up to
/// <c>Webhook:MaxPollInterval</c>. With one, a write ends the wait at once, so the short waits are not needed: the
/// wait is <c>Webhook:MaxPollInterval</c>, or <c>WakeOnWrite:IdlePollInterval</c> once the queue is known to be quiet.
/// Quiet means its approximate message count is 0 (read in the background each time the queue empties, after the batch
/// in hand is settled): nothing is hidden in it, so no retry can come due and no message can come back from another
/// consumer's hands without a write to announce it. A queue that is not quiet is polled every
/// <c>Webhook:MaxPollInterval</c> as without the signal (so a retry is attempted on time and the per-DID grace period,
/// which counts on that poll, still holds), and counted again at most once a minute. A poll that ends a quiet wait and
/// finds events no call announced renews the registration at once: the processor may have moved.
/// </summary>
internal sealed class IdleWait(QueueWriteSignal? signal, QueueClient queue, TimeSpan maxPollInterval, TimeSpan idlePollInterval, TimeProvider time, ILogger logger, string subscriptionId)
{
    // Short, because while events trickle in (a few a second to hundreds) the queue is often empty for a moment and this
    // wait is most of their latency; the doubling still brings an idle consumer to MaxPollInterval within about a second.
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan RecountAfter = TimeSpan.FromMinutes(1);

    private readonly FailureStreak _empty = new(Backoff.Doubling(FirstWait, maxPollInterval), time);

    // Bumped by every receive that finds messages: a count started before it says nothing about the queue after it.
    private int _generation;
    private (int Generation, long StartedAt, Task<bool> Empty)? _count;
    private bool _quietWaitRanOut;

    /// <summary>A receive found messages: the queue is not known to be quiet, and the next empty receive starts again from the shortest wait.</summary>
    public void Found()
    {
        if (_quietWaitRanOut)
        {
            WakeLog.Unannounced(logger, subscriptionId);
            signal?.RenewSoon();
        }

        _quietWaitRanOut = false;
        _empty.Reset();
        _generation++;
    }

    /// <summary>Waits after an empty receive; <paramref name="settling"/> is the batch being settled, which the count waits for.</summary>
    public async Task WaitAsync(Task settling, CancellationToken cancellationToken)
    {
        _quietWaitRanOut = false;
        if (signal is null)
        {
            await _empty.FailedAndWaitAsync(cancellationToken);
            return;
        }

        signal.Idle();
        if (!signal.Live)
        {
            // A signal that becomes live ends the wait too: writes since the last receive were not announced.
            if (!await signal.WaitAsync(_empty.Delay, cancellationToken))
            {
                _empty.Failed();
            }

            return;
        }

        if (_count is not { } count || count.Generation != _generation
            || (count.Empty is { IsCompletedSuccessfully: true, Result: false } && time.GetElapsedTime(count.StartedAt) >= RecountAfter))
        {
            _count = (_generation, time.GetTimestamp(), IsEmptyAsync(settling, cancellationToken));
        }

        var quiet = _count.Value.Empty is { IsCompletedSuccessfully: true, Result: true };
        if (!await signal.WaitAsync(quiet ? idlePollInterval : maxPollInterval, cancellationToken) && quiet)
        {
            _quietWaitRanOut = true;
        }
    }

    private async Task<bool> IsEmptyAsync(Task settling, CancellationToken cancellationToken)
    {
        try
        {
            // Settled first: the messages just delivered still count until they are deleted.
            await settling;
            QueueProperties properties = await queue.GetPropertiesAsync(cancellationToken);
            return properties.ApproximateMessagesCount == 0;
        }
        catch (Exception)
        {
            // Not known to be quiet: polled as without the signal; a storage outage is reported by the receives.
            return false;
        }
    }
}
