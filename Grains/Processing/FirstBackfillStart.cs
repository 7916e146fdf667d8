using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The processor's watch over a subscription created with <c>"backfill": true</c> (<c>AwaitingBackfill</c>): while the
/// mark is there it holds every commit (<see cref="LiveSeam.AwaitBackfill"/>), so an Api that died between storing the
/// subscription and starting its job would leave it holding until someone starts a backfill. Once the grace after the
/// creation has passed, this asks the job itself (<see cref="IBackfillJobGrain.StartAwaited"/>, which starts only
/// while the mark is there, read in the job's one turn: the Api's start and this one never make two runs). Run as a
/// background task on the grain's scheduler, not in a call: the job's start calls back into the processor (its hold).
/// </summary>
internal sealed class FirstBackfillStart(IGrainFactory grains, string subscriptionId, TimeProvider time, TimeSpan grace, TimeSpan maxRetryDelay, ILogger logger)
{
    /// <summary>
    /// Waits out the grace and asks until the job answers; the refusal, or null when this started the run. A refusal
    /// other than <see cref="BackfillStartRefusal.AlreadyStarted"/> leaves the mark for the caller to clear.
    /// </summary>
    public async Task<BackfillStartRefusal?> RunAsync(DateTimeOffset createdAt, CancellationToken stopping)
    {
        var wait = createdAt + grace - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, stopping);
        }

        var backoff = ProcessorBackoff.ForStorage(maxRetryDelay, time);
        while (true)
        {
            try
            {
                var refusal = (await grains.GetGrain<IBackfillJobGrain>(subscriptionId).StartAwaited()).Refusal;
                if (refusal != BackfillStartRefusal.AlreadyStarted)
                {
                    BackfillLog.FirstStartRecovered(logger, subscriptionId, (int)grace.TotalSeconds, refusal?.ToString() ?? "started");
                }

                return refusal;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                BackfillLog.FirstStartFailed(logger, ex, subscriptionId);
                await backoff.WaitAsync(backoff.NextDelay(), stopping);
            }
        }
    }
}
