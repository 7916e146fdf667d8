using System.ComponentModel.DataAnnotations;
using Jetstream.Storage;
using Jetstream.Grains.Interfaces.Retries;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>Settings of the webhook consumer. Section <c>Webhook</c> (env vars <c>Webhook__Url</c>, ...).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhook";

    /// <summary>
    /// The default retry schedule: delays after the 1st, 2nd, ... failed attempt, about 27.7 hours in all (12 attempts),
    /// so a receiver that is down for a day still gets every event.
    /// </summary>
    public static readonly TimeSpan[] DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2),
        TimeSpan.FromHours(4), TimeSpan.FromHours(8), TimeSpan.FromHours(12),
    ];

    /// <summary>
    /// Absolute http or https URL the events of subscription <c>default</c> are POSTed to, unless its document sets a
    /// webhook. Unset: <c>default</c>'s events wait in its queue until a webhook is set (and <c>/health</c> says so).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>
    /// Signing secrets (<c>whsec_</c> + base64), separated by spaces; each signs every request, so a receiver can rotate.
    /// Empty: requests are not signed.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Time allowed for one delivery attempt, from sending the request to the end of the response headers.</summary>
    [Range(1, 600, ErrorMessage = "Webhook:TimeoutSeconds must be between 1 and 600.")]
    public int TimeoutSeconds { get; set; } = 15;

    /// <summary>Most requests in flight at once (events of different DIDs are delivered in parallel up to this).</summary>
    [Range(1, 4096, ErrorMessage = "Webhook:MaxConcurrency must be between 1 and 4096.")]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Queue messages received at once (Azure allows at most 32); a message may hold several events.</summary>
    [Range(1, 32, ErrorMessage = "Webhook:BatchSize must be between 1 and 32.")]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// Most receives of <see cref="BatchSize"/> in flight at once for one subscription. While every receive fills (a
    /// backlog), the next batch is that many receives wide, doubling from 1 up to this; one that brings fewer than it
    /// asked for (the queue is drained) sets it back to 1. Their union is delivered as one batch, so a DID's events keep
    /// queue order across them. 1 receives one batch at a time.
    /// </summary>
    [Range(1, 64, ErrorMessage = "Webhook:MaxParallelReceives must be between 1 and 64.")]
    public int MaxParallelReceives { get; set; } = 8;

    /// <summary>
    /// Most queue messages one subscription holds in hand while its endpoint's circuit is open: between probes the loop
    /// keeps receiving the backlog into memory (hidden past the next probe), so when the endpoint is back it goes out
    /// from hand at full width instead of 32 messages a receive. 0: only the batch the outage met is kept, the rest
    /// waits in the queue. Up to 64 KiB a message, so <see cref="MaxKeptBytes"/> bounds the memory as well.
    /// </summary>
    [Range(0, 100_000, ErrorMessage = "Webhook:MaxKeptMessages must be between 0 and 100000.")]
    public int MaxKeptMessages { get; set; } = 4096;

    /// <summary>Most bytes of message bodies held in hand while the circuit is open (<see cref="MaxKeptMessages"/>).</summary>
    public long MaxKeptBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// How long a received message stays hidden from other consumers. A consumer that dies mid-delivery leaves its
    /// messages to be delivered again after this; it must be at least twice <see cref="TimeoutSeconds"/>.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Newest queue message version this consumer reads. Not a setting (not bound): tests lower it to stand for a
    /// consumer of an earlier release meeting a message it cannot read.
    /// </summary>
    internal int ReadableMessageVersion { get; set; } = QueueMessageCodec.LatestVersion;

    /// <summary>Longest wait between polls of an empty queue.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Delay after the 1st, 2nd, ... failed attempt; when it is spent the event is dead-lettered (so an event gets
    /// <c>RetrySchedule.Length + 1</c> attempts). Empty: <see cref="DefaultRetrySchedule"/>. Env form:
    /// <c>Webhook__RetrySchedule__0=00:00:05</c>, <c>Webhook__RetrySchedule__1=00:05:00</c>, ...
    /// </summary>
    public TimeSpan[] RetrySchedule { get; set; } = [];

    /// <summary>Each delay is stretched by a random 0 to this fraction, so failed events do not all return at once.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Webhook:RetryJitter must be between 0 and 1.")]
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>
    /// Attempts after which a 4xx answer other than 408 and 429 (a request the receiver will not accept as it is)
    /// dead-letters the event without waiting for the rest of the schedule. Set it above the schedule to disable.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Webhook:ClientErrorMaxAttempts must be between 1 and 1000.")]
    public int ClientErrorMaxAttempts { get; set; } = 3;

    /// <summary>Longest <c>Retry-After</c> honoured; a longer one is cut to this.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <see cref="Backoff.HonourRetryAfter"/> with this consumer's cap: the endpoint's <paramref name="asked"/> wait is
    /// honoured up to <see cref="MaxRetryAfter"/> and never shortens our own.
    /// </summary>
    public TimeSpan HonourRetryAfter(TimeSpan own, TimeSpan? asked) => Backoff.HonourRetryAfter(own, asked, MaxRetryAfter);

    /// <summary>
    /// Share (0 to 1) of a subscription's requests within <see cref="CircuitSamplingDuration"/> that must be the
    /// endpoint's failures (connection refused or reset, timeout, 429, 502, 503, 504) for its circuit to open.
    /// </summary>
    [Range(0.01, 1.0, ErrorMessage = "Webhook:CircuitFailureRatio must be between 0.01 and 1.")]
    public double CircuitFailureRatio { get; set; } = 0.8;

    /// <summary>Fewest requests within <see cref="CircuitSamplingDuration"/> before the circuit may open.</summary>
    [Range(2, 100_000, ErrorMessage = "Webhook:CircuitMinimumThroughput must be between 2 and 100000.")]
    public int CircuitMinimumThroughput { get; set; } = 3;

    /// <summary>
    /// The window over which <see cref="CircuitFailureRatio"/> is measured. Short, because the successes before an
    /// outage count until they leave it: with 2 s the circuit opens about 1.6 s into an outage of a busy endpoint.
    /// </summary>
    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long an open circuit waits before its first probe; each failed probe doubles the wait, up to
    /// <see cref="CircuitMaxBreakDuration"/> (a longer <c>Retry-After</c> is honoured up to <see cref="MaxRetryAfter"/>).
    /// </summary>
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait between two probes, and so the longest an event waits after its endpoint is back. 2 s: with 10 s the
    /// first probe that could succeed came up to 10 s after a 15 s outage ended, most of the time the backlog then took
    /// (issue 20); a probe every 2 s is one request, nothing to a receiver that is down.
    /// </summary>
    public TimeSpan CircuitMaxBreakDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lets webhook URLs from subscription documents reach loopback, private, link-local and reserved addresses
    /// (checked at every connection). Never needed for <see cref="Url"/>, which the operator configures.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Most events in one request. 1 (the default): one request per event, its body the event itself, as always. More:
    /// <c>{"events":[…]}</c> with up to this many events (docs/webhook-consumer.md, "Batches"). A subscription's webhook
    /// may set its own.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Webhook:BatchMaxEvents must be between 1 and 1000.")]
    public int BatchMaxEvents { get; set; } = 1;

    /// <summary>Most bytes of one batch's body; an event larger than this alone still goes, in a batch of its own.</summary>
    [Range(1024, 16 * 1024 * 1024, ErrorMessage = "Webhook:BatchMaxBytes must be between 1024 and 16777216.")]
    public int BatchMaxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// With batches on, how long a receive that brought fewer than <see cref="BatchMaxEvents"/> events waits for more
    /// before its batches go (0, the default: never waits; what one receive brings is batched).
    /// </summary>
    public TimeSpan BatchMaxWait { get; set; } = TimeSpan.Zero;

    /// <summary>True when requests carry batches (<see cref="BatchMaxEvents"/> above 1).</summary>
    public bool Batching => BatchMaxEvents > 1;

    /// <summary>Attempts an event gets before it is dead-lettered.</summary>
    public int MaxAttempts => RetrySchedule.Length + 1;

    /// <summary>
    /// How long an event's endpoint may fail for it before it is dead-lettered: the schedule's total, the time an event
    /// refused at every attempt takes to reach the dead-letter queue. Endpoint failures spend no attempts, so this is
    /// what bounds an endless outage.
    /// </summary>
    public TimeSpan OutageLimit => RetrySchedule.Aggregate(TimeSpan.Zero, (sum, step) => sum + step);

    /// <summary>These settings with a subscription's own batch limits where it sets them.</summary>
    internal WebhookOptions WithBatches(int? maxEvents, int? maxBytes, TimeSpan? maxWait)
    {
        if (maxEvents is null && maxBytes is null && maxWait is null)
        {
            return this;
        }

        var copy = (WebhookOptions)MemberwiseClone();
        copy.BatchMaxEvents = maxEvents ?? BatchMaxEvents;
        copy.BatchMaxBytes = maxBytes ?? BatchMaxBytes;
        copy.BatchMaxWait = maxWait ?? BatchMaxWait;
        return copy;
    }

    /// <summary>These settings with one subscription's receiver; everything else (retries, visibility) stays shared.</summary>
    internal WebhookOptions WithReceiver(string? url, string? secret, string? bearerToken, int timeoutSeconds)
    {
        var copy = (WebhookOptions)MemberwiseClone();
        copy.Url = url;
        copy.Secret = secret;
        copy.BearerToken = bearerToken;
        copy.TimeoutSeconds = timeoutSeconds;
        return copy;
    }
}
