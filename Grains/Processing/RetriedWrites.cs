using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

/// <summary>
/// The sink's writes (queue messages and held commits) retried with the storage backoff until they succeed: while one
/// fails the sink is paused (<see cref="IsFailing"/>) and the error is shown on /status. Single-threaded: the sink's scheduler.
/// </summary>
internal sealed class RetriedWrites(TimeSpan maxRetryDelay, TimeProvider time, ProcessorMetrics metrics, ILogger logger, string processorKey)
{
    private int _failing;

    public bool IsFailing => _failing > 0;

    public string? LastError { get; private set; }

    /// <param name="written">Called once the write succeeded (the consumers' wake, for a queue message).</param>
    public async Task RunAsync(Func<CancellationToken, Task> write, Action? written, CancellationToken stopping)
    {
        var backoff = ProcessorBackoff.ForStorage(maxRetryDelay, time);
        for (var attempt = 1; ; attempt++)
        {
            var started = time.GetTimestamp();
            try
            {
                await write(stopping);
                written?.Invoke();
                metrics.QueueSent(time.GetElapsedTime(started));
                if (attempt > 1)
                {
                    _failing--;
                    LastError = null;
                    Log.QueueRecovered(logger, processorKey, attempt);
                }

                return;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                if (attempt == 1)
                {
                    _failing++;
                }

                metrics.QueueSendFailed();
                LastError = $"Queue write failed: {ErrorText.Of(ex)}";
                var delay = backoff.NextDelay();
                Log.QueueWriteFailed(logger, ex, processorKey, attempt, delay);
                await backoff.WaitAsync(delay, stopping);
            }
        }
    }
}
