using Jetstream.Grains.Interfaces;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>
/// Wake-on-write from the processor's side: the real grain reading the emulator into Azurite, and a consumer's observer
/// registered through the cluster's client that answers only when the test lets it.
/// </summary>
public sealed class QueueWriteWatchersTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static int _sequence;

    [Fact]
    public async Task Writes_acknowledged_while_a_consumer_has_not_answered_are_folded_into_one_more_call()
    {
        await using var scenario = await IngestionScenario.StartAsync("watch");
        var observer = new HeldObserver();
        var reference = scenario.Cluster.Client.CreateObjectReference<IQueueWriteObserver>(observer);
        await scenario.Processor.WatchQueueWrites(reference, TimeSpan.FromMinutes(1));

        await PublishAndAcknowledgeAsync(scenario);
        await Eventually.HoldsAsync(() => Task.FromResult(observer.Calls == 1), Timeout, "the first write's call");

        // Four more messages, each acknowledged while the first call is unanswered: no call for any of them yet.
        for (var i = 0; i < 4; i++)
        {
            await PublishAndAcknowledgeAsync(scenario);
        }

        Assert.Equal(1, observer.Calls);

        observer.Answer();
        await Eventually.HoldsAsync(() => Task.FromResult(observer.Calls == 2), Timeout, "one call for the four writes");
        observer.Answer();

        // Nothing in flight any more: the next write is announced by a call of its own.
        await PublishAndAcknowledgeAsync(scenario);
        await Eventually.HoldsAsync(() => Task.FromResult(observer.Calls == 3), Timeout, "the next write's call");
        observer.Answer();
        Assert.Equal(3, observer.Calls);
    }

    [Fact]
    public async Task A_consumer_whose_lease_ran_out_is_not_called()
    {
        await using var scenario = await IngestionScenario.StartAsync("watchlease");
        var renewed = new HeldObserver { AnswerAtOnce = true };
        var lapsed = new HeldObserver { AnswerAtOnce = true };
        await scenario.Processor.WatchQueueWrites(scenario.Cluster.Client.CreateObjectReference<IQueueWriteObserver>(lapsed), TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await scenario.Processor.WatchQueueWrites(scenario.Cluster.Client.CreateObjectReference<IQueueWriteObserver>(renewed), TimeSpan.FromMinutes(1));

        await PublishAndAcknowledgeAsync(scenario);
        await Eventually.HoldsAsync(() => Task.FromResult(renewed.Calls == 1), Timeout, "the watching consumer's call");

        Assert.Equal(0, lapsed.Calls);
    }

    /// <summary>Publishes one wanted commit and waits until the processor's cursor covers it: its message is acknowledged.</summary>
    private static async Task PublishAndAcknowledgeAsync(IngestionScenario scenario)
    {
        var n = Interlocked.Increment(ref _sequence);
        var timeUs = scenario.Emulator.Publish($$$"""{"did":"did:plc:watch{{{n % 3}}}","time_us":0,"kind":"commit","commit":{"rev":"3mwatch{{{n:D6}}}","operation":"create","collection":"work.doing.task","rkey":"3kwatch{{{n:D6}}}","record":{"$type":"work.doing.task","n":{{{n}}}},"cid":"bafyreiwatch{{{n:D6}}}"}}""");
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStats()).Cursor >= timeUs, Timeout, "the processor's cursor to cover the event");
    }

    /// <summary>Counts calls; each stays unanswered until <see cref="Answer"/> (unless <see cref="AnswerAtOnce"/>).</summary>
    private sealed class HeldObserver : IQueueWriteObserver
    {
        private readonly Queue<TaskCompletionSource> _unanswered = new();
        private int _calls;

        public bool AnswerAtOnce { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public Task QueueWritten()
        {
            Interlocked.Increment(ref _calls);
            if (AnswerAtOnce)
            {
                return Task.CompletedTask;
            }

            var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_unanswered)
            {
                _unanswered.Enqueue(answer);
            }

            return answer.Task;
        }

        public void Answer()
        {
            lock (_unanswered)
            {
                _unanswered.Dequeue().SetResult();
            }
        }
    }
}
