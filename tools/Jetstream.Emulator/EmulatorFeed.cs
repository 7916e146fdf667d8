using Microsoft.Extensions.Hosting;

namespace Jetstream.Emulator;

/// <summary>
/// The background publisher: <see cref="EmulatorOptions.EventsPerSecond"/> events a second from the configured
/// <see cref="IEventSource"/>, re-read every tick so the rate can change at run time. At infinity it publishes in
/// batches only while every live subscriber's outbox has room, so nothing is ever dropped.
/// </summary>
internal sealed class EmulatorFeed(EmulatorHub hub, IEventSource source) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private const int UnpacedBatch = 256;
    private readonly Lock _sourceGate = new();

    public IReadOnlyList<long> PublishNow(int count)
    {
        var times = new long[count];
        for (var i = 0; i < count; i++)
        {
            byte[] next;
            lock (_sourceGate)
            {
                next = source.NextUtf8();
            }

            times[i] = hub.Publish(next);
        }

        return times;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        EmulatorLog.FeedStarted(hub.Logger, source.GetType().Name, hub.Options.EventsPerSecond);
        var time = hub.Time;
        using var timer = new PeriodicTimer(Tick, time);
        var rate = double.NaN;
        var start = 0L;
        var done = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var wanted = hub.Options.EventsPerSecond;
                if (double.IsPositiveInfinity(wanted))
                {
                    await RunUnpacedAsync(stoppingToken);
                    rate = double.NaN;
                    continue;
                }

                if (wanted != rate)
                {
                    rate = wanted;
                    start = time.GetTimestamp();
                    done = 0;
                }

                if (rate <= 0)
                {
                    continue;
                }

                var due = (long)(time.GetElapsedTime(start).TotalSeconds * rate) - done;
                var cap = (long)Math.Max(1, rate);
                if (due > cap)
                {
                    // Fell behind by more than a second (a stalled machine): skip ahead instead of bursting.
                    done += due - cap;
                    due = cap;
                }

                if (due > 0)
                {
                    PublishNow((int)due);
                    done += due;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutting down.
        }
    }

    private async Task RunUnpacedAsync(CancellationToken stoppingToken)
    {
        var batch = Math.Min(UnpacedBatch, hub.Options.OutboxCapacity);
        while (double.IsPositiveInfinity(hub.Options.EventsPerSecond))
        {
            stoppingToken.ThrowIfCancellationRequested();
            if (hub.LiveSubscribersHaveRoom(batch))
            {
                PublishNow(batch);
            }
            else
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1), hub.Time, stoppingToken);
            }
        }
    }
}
