using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jetstream.WebhookConsumer;

/// <summary>The consumer's OpenTelemetry instruments (meter <see cref="MeterName"/>) and its trace source.</summary>
internal sealed class ConsumerMetrics
{
    public const string MeterName = "Jetstream.WebhookConsumer";
    public const string ActivitySourceName = "Jetstream.WebhookConsumer";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    // OpenTelemetry's default buckets (0 to 10,000) suit milliseconds. An attempt lasts up to Webhook:TimeoutSeconds;
    // an event's age at delivery runs from well under a second to the day-long retry schedule.
    private static readonly double[] AttemptBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
    private static readonly double[] AgeBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600];

    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _latency;
    private readonly TimeProvider _time;

    public ConsumerMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        var meter = meterFactory.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("webhook.deliveries", "{request}", "Delivery attempts, by status class of the answer (none: no answer).");
        _retries = meter.CreateCounter<long>("webhook.retries", "{event}", "Failed attempts after which the event is scheduled again.");
        _deadLettered = meter.CreateCounter<long>("webhook.dead_lettered", "{event}", "Events written to the dead-letter queue.");
        _duration = meter.CreateHistogram<double>("webhook.delivery.duration", "s", "One attempt: from sending the request to the answer's headers, by status class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AttemptBuckets });
        _latency = meter.CreateHistogram<double>("webhook.event.latency", "s", "Jetstream time_us to successful delivery: how late the webhook learns of an event.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AgeBuckets });
    }

    public void Attempted(int? status, TimeSpan elapsed)
    {
        var statusClass = new KeyValuePair<string, object?>("status_class", StatusClass(status));
        _deliveries.Add(1, statusClass);
        _duration.Record(elapsed.TotalSeconds, statusClass);
    }

    public void Delivered(long timeUs) => _latency.Record(Math.Max(0, (_time.GetUtcNow().ToUnixTimeMilliseconds() * 1000) - timeUs) / 1e6);

    public void RetryScheduled() => _retries.Add(1);

    public void DeadLettered() => _deadLettered.Add(1);

    private static string StatusClass(int? status) => status switch
    {
        null => "none",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        >= 500 and < 600 => "5xx",
        _ => "other",
    };
}
