using Jetstream.WebhookReceiver;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The bench's webhook receivers: <c>tools/WebhookReceiver</c>'s <see cref="WebhookReceiverHost"/> in the bench process,
/// with the scenarios' secret (every signature checked) and nothing kept per request but counts.
/// </summary>
internal static class BenchReceivers
{
    /// <summary>Counts requests; one event per request (the throughput and latency runs).</summary>
    public static Task<WebhookReceiverHost> RequestsAsync() => WebhookReceiverHost.StartAsync(Options());

    /// <summary>
    /// Counts the events in each body, batches included (issue 13's scenarios); <paramref name="trackEvents"/> keeps each
    /// event's first arrival, <paramref name="splitBackfill"/> counts a backfill's events apart (issue 18).
    /// </summary>
    public static Task<WebhookReceiverHost> EventsAsync(bool trackEvents, bool splitBackfill = false) =>
        WebhookReceiverHost.StartAsync(Options(o => { o.CountEvents = true; o.TrackEvents = trackEvents; o.SplitBackfill = splitBackfill; }));

    /// <summary>One listener for many subscriptions: each event kept by <see cref="GeneratedEvents.KeyOf"/> under the path it came to.</summary>
    public static Task<WebhookReceiverHost> PathsAsync() =>
        WebhookReceiverHost.StartAsync(Options(o => o.KeyByPath = body => GeneratedEvents.KeyOf(body) ?? "(not a commit)"));

    private static ReceiverOptions Options(Action<ReceiverOptions>? configure = null)
    {
        var options = new ReceiverOptions { Secret = ScenarioStack.WebhookSecret, RecordDeliveries = false };
        configure?.Invoke(options);
        return options;
    }
}
