using Azure;
using Azure.Storage.Queues;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 13's receiver outages at <see cref="BenchSettings.OutageRate"/> matching events/s with the default retry
/// schedule: the receiver aborts every connection for the outage (and, in the second run, answers 500 to a share of
/// requests throughout), then is back; the feed runs on for <see cref="BenchSettings.OutageTail"/> and stops. Measured:
/// how long after the return the last event arrives, how many arrive more than 15 s after it, and how many are
/// dead-lettered. Each run has hosts of its own, so nothing of the first waits in the second's queue.
/// </summary>
internal sealed class OutageScenario(BenchContext context)
{
    public static readonly TimeSpan LateAfterReturn = TimeSpan.FromSeconds(15);

    /// <summary>Issue 20: events published this long after the return or later should be back to normal latency.</summary>
    public static readonly TimeSpan RecoveredAfterReturn = TimeSpan.FromSeconds(5);

    private BenchSettings Settings => context.Settings;

    public async Task RunAsync(Azurite azurite)
    {
        await RunOneAsync(azurite, "clean", TimeSpan.FromSeconds(15), failureRate: 0);
        if (!Settings.OutageCleanOnly)
        {
            await RunOneAsync(azurite, "with failures", TimeSpan.FromSeconds(20), failureRate: 0.3);
        }
    }

    private async Task RunOneAsync(Azurite azurite, string name, TimeSpan outage, double failureRate)
    {
        await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, StreamProfile.Firehose);
        await using var receiver = await BenchReceivers.EventsAsync(trackEvents: true);
        context.Phase($"outage {name}: pipeline");
        await stack.StartPipelineAsync(receiver.Url, Settings.SiloEnvironment, Settings.ConsumerEnvironment);
        var flowing = failureRate > 0 ? Jetstream.WebhookReceiver.ReceiverBehaviour.Normal with { FailureRate = failureRate } : Jetstream.WebhookReceiver.ReceiverBehaviour.Normal;
        receiver.Behaviour = flowing;

        var queuedBefore = (await stack.Probe!.StatsAsync()).QueuedEvents;
        receiver.Reset();
        await stack.Control.SetRateAsync(Settings.OutageRate);
        await Task.Delay(Settings.OutageLead);
        context.Phase($"outage {name}: receiver down for {outage.TotalSeconds:F0} s");
        receiver.Behaviour = Jetstream.WebhookReceiver.ReceiverBehaviour.Unreachable;
        await Task.Delay(outage);
        receiver.Behaviour = flowing;
        var returnedAt = DateTime.UtcNow;
        context.Phase($"outage {name}: receiver back{(failureRate > 0 ? $", {failureRate:P0} of requests failing" : "")}");
        await Task.Delay(Settings.OutageTail);
        await stack.Control.SetRateAsync(0);

        // Events queued once the processor has written what it read: its counter stops moving.
        var queued = await SettledQueuedAsync(stack) - queuedBefore;
        var deadline = DateTime.UtcNow + Settings.OutageDrainLimit;
        while (receiver.Stats.UniqueEvents < queued && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var waited = (DateTime.UtcNow - returnedAt).TotalSeconds;
        var arrivals = receiver.Events.FirstArrivals();
        var afterReturn = arrivals.Select(a => a.Arrived).Where(a => a > returnedAt).ToList();
        var deadLettered = await DeadLetteredAsync(azurite, stack);
        var result = new OutageResult
        {
            Name = name,
            Rate = Settings.OutageRate,
            Outage = outage,
            FailureRate = failureRate,
            Queued = queued,
            Delivered = receiver.Stats.UniqueEvents,
            LastArrivalAfterReturnSeconds = afterReturn.Count == 0 ? double.NaN : (afterReturn.Max() - returnedAt).TotalSeconds,
            FirstArrivalAfterReturnSeconds = afterReturn.Count == 0 ? double.NaN : (afterReturn.Min() - returnedAt).TotalSeconds,
            // Late: more than 15 s after the return, or after its own publication when that was later (the tail's events).
            ArrivedLate = arrivals.Count(a => a.Arrived - (a.Published > returnedAt ? a.Published : returnedAt) > LateAfterReturn),
            // Issue 20: the backlog is what was published before the return; the recovered tail what came 5 s after it.
            BacklogDeliveredAfterReturnSeconds = arrivals.Where(a => a.Published < returnedAt).Select(a => (a.Arrived - returnedAt).TotalSeconds).DefaultIfEmpty(double.NaN).Max(),
            RecoveredLatency = Percentiles.Of(arrivals.Where(a => a.Published >= returnedAt + RecoveredAfterReturn).Select(a => (a.Arrived - a.Published).TotalMilliseconds)),
            LongestWaitSeconds = arrivals.Select(a => (a.Arrived - a.Published).TotalSeconds).DefaultIfEmpty(double.NaN).Max(),
            DeadLettered = deadLettered,
            WaitedSeconds = waited,
            Requests = receiver.Stats.Requests,
            FailedRequests = receiver.Stats.Failed,
        };
        BenchContext.Log($"outage {name}: {result.Delivered} of {result.Queued} delivered; first {result.FirstArrivalAfterReturnSeconds:F1} s and last {result.LastArrivalAfterReturnSeconds:F1} s after the return, " +
            $"{result.ArrivedLate} more than {LateAfterReturn.TotalSeconds:F0} s after it (or after their publication), longest wait {result.LongestWaitSeconds:F1} s, {result.DeadLettered} dead-lettered; backlog delivered {result.BacklogDeliveredAfterReturnSeconds:F1} s after the return, " +
            $"p99 of the events published {RecoveredAfterReturn.TotalSeconds:F0} s or more after it {result.RecoveredLatency.P99:F0} ms ({result.RecoveredLatency.Count} events); {result.Requests} requests, {result.FailedRequests} failed");
        context.Results.Outages.Add(result);
    }

    /// <summary>Messages in the dead-letter queue (one event each); none when the consumer never made it.</summary>
    private static async Task<long> DeadLetteredAsync(Azurite azurite, ScenarioStack stack)
    {
        try
        {
            return (await new QueueClient(azurite.ConnectionString, stack.DeadLetterQueueName).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return 0;
        }
    }

    /// <summary>The processor's queued-events counter once it has not moved for a second (at most 30 s).</summary>
    public static async Task<long> SettledQueuedAsync(ScenarioStack stack)
    {
        var last = (await stack.Probe!.StatsAsync()).QueuedEvents;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var now = (await stack.Probe.StatsAsync()).QueuedEvents;
            if (now == last)
            {
                break;
            }

            last = now;
        }

        return last;
    }
}
