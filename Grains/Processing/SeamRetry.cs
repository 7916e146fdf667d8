using Jetstream.Grains.Backfill;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The seam's steps are tried until they succeed or the processor stops, on the storage backoff: a hand-over or a load
/// that gave up would leave commits held with nobody to queue them.
/// </summary>
internal sealed class SeamRetry(TimeProvider time, TimeSpan maxRetryDelay, ILogger logger, string subscriptionId, CancellationToken stopping)
{
    public async Task RunAsync(string step, Func<Task> action)
    {
        var backoff = ProcessorBackoff.ForStorage(maxRetryDelay, time);
        while (true)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                BackfillLog.SeamStepFailed(logger, ex, subscriptionId, step);
                await backoff.WaitAsync(backoff.NextDelay(), stopping);
            }
        }
    }
}
