using System.Diagnostics;
using System.Globalization;
using Jetstream.Storage;
using Jetstream.WebhookReceiver;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The outage tests' one shape: a steady flow over <see cref="Dids"/> DIDs queued through a <see cref="ConsumerHarness"/>
/// (Azurite, the real consumer) to its real receiver (<c>tools/WebhookReceiver</c>), which aborts every connection from
/// <see cref="DownAt"/> to <see cref="BackAt"/> and answers as <see cref="Up"/> before and after. Events go round the
/// DIDs in turn, so each DID has many events in the backlog the outage leaves, one message of
/// <see cref="PerMessage"/> at a time, paced to <see cref="EventsPerSecond"/> for <see cref="Length"/>.
/// </summary>
internal sealed record OutageFlow(string DidPrefix, int Dids, int EventsPerSecond, int PerMessage, TimeSpan Length, TimeSpan DownAt, TimeSpan BackAt)
{
    private static readonly TimeSpan JustBefore = TimeSpan.FromSeconds(0.5);

    /// <summary>How the receiver answers while it is up.</summary>
    public ReceiverBehaviour Up { get; init; } = ReceiverBehaviour.Normal;

    /// <summary>
    /// Consumer settings for a flow: <paramref name="batchMaxEvents"/> and a retry schedule of 12 steps, the last of
    /// <paramref name="retrySchedule"/> repeated, so no event runs out of retries in a test.
    /// </summary>
    public static Dictionary<string, string?> Settings(int batchMaxEvents, params string[] retrySchedule)
    {
        var settings = new Dictionary<string, string?> { ["Webhook:BatchMaxEvents"] = batchMaxEvents.ToString(CultureInfo.InvariantCulture) };
        for (var i = 0; i < 12; i++)
        {
            settings[$"Webhook:RetrySchedule:{i}"] = retrySchedule[Math.Min(i, retrySchedule.Length - 1)];
        }

        return settings;
    }

    /// <summary>Queues the flow and takes the receiver down and back on time; returns once the last event is queued.</summary>
    /// <param name="justBeforeReturn">Run once, half a second before the receiver comes back (e.g. to look at the queue).</param>
    public async Task<OutageRun> RunAsync(ConsumerHarness harness, Func<Task>? justBeforeReturn = null)
    {
        harness.Receiver.Behaviour = Up;
        var sent = new List<QueuedEvent>();
        var clock = Stopwatch.StartNew();
        DateTimeOffset? down = null, back = null;
        while (clock.Elapsed < Length)
        {
            if (down is null && clock.Elapsed >= DownAt)
            {
                harness.Receiver.Behaviour = ReceiverBehaviour.Unreachable;
                down = DateTimeOffset.UtcNow;
            }
            else if (justBeforeReturn is not null && clock.Elapsed >= BackAt - JustBefore)
            {
                await justBeforeReturn();
                justBeforeReturn = null;
            }
            else if (back is null && clock.Elapsed >= BackAt)
            {
                harness.Receiver.Behaviour = Up;
                back = DateTimeOffset.UtcNow;
            }

            var message = Enumerable.Range(sent.Count, PerMessage).Select(seq => TestEvents.Commit($"{DidPrefix}{seq % Dids:D4}", seq)).ToArray();
            sent.AddRange(message);
            await harness.SendAsync(message, PerMessage);
            var due = TimeSpan.FromSeconds((double)sent.Count / EventsPerSecond);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }

        return new OutageRun(sent, down!.Value, back!.Value);
    }
}
