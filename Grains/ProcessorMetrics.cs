using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Jetstream.Grains;

/// <summary>The processor's OpenTelemetry instruments (meter <see cref="MeterName"/>) and its trace source.</summary>
public sealed class ProcessorMetrics
{
    public const string MeterName = "Jetstream.Processor";
    public const string ActivitySourceName = "Jetstream.Processor";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    // OpenTelemetry's default buckets (0 to 10,000) suit milliseconds; these are its seconds buckets for HTTP durations.
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Counter<long> _received;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _queued;
    private readonly Counter<long> _parseErrors;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _queueFailures;
    private readonly Counter<long> _gaps;
    private readonly Histogram<double> _sendDuration;
    private long _cursorUs;

    public ProcessorMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        var meter = meterFactory.Create(MeterName);
        _received = meter.CreateCounter<long>("jetstream.events.received", "{event}", "Events received from Jetstream, by kind.");
        _skipped = meter.CreateCounter<long>("jetstream.events.skipped", "{event}", "Events not queued, by reason.");
        _queued = meter.CreateCounter<long>("jetstream.commits.queued", "{event}", "Matching commits written to the queue, by collection.");
        _parseErrors = meter.CreateCounter<long>("jetstream.parse_errors", "{frame}", "Frames that are not a valid event, by reason.");
        _reconnects = meter.CreateCounter<long>("jetstream.reconnects", "{connection}", "Connections opened after the first.");
        _queueFailures = meter.CreateCounter<long>("jetstream.queue.send.failures", "{message}", "Failed queue writes (each retried).");
        _gaps = meter.CreateCounter<long>("jetstream.gaps", "{gap}", "Stretches of the stream the server no longer had when asked for, by reason.");
        _sendDuration = meter.CreateHistogram<double>("jetstream.queue.send.duration", "s", "Latency of one successful queue message write.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableGauge("jetstream.cursor.lag", () =>
        {
            var cursor = Interlocked.Read(ref _cursorUs);
            return CursorPosition.Lag(cursor == 0 ? null : cursor, time.GetUtcNow()) is { } lag ? new[] { new Measurement<double>(lag) } : [];
        }, "s", "Now minus the cursor's time.");
    }

    public void Received(string kind) => _received.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Skipped(string reason) => _skipped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Queued(string collection, int count) => _queued.Add(count, new KeyValuePair<string, object?>("collection", collection));

    public void ParseError(string reason) => _parseErrors.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Reconnected() => _reconnects.Add(1);

    public void Gap(string reason) => _gaps.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void QueueSendFailed() => _queueFailures.Add(1);

    public void QueueSent(TimeSpan elapsed) => _sendDuration.Record(elapsed.TotalSeconds);

    public void Cursor(long? cursorUs) => Interlocked.Exchange(ref _cursorUs, cursorUs ?? 0);
}
