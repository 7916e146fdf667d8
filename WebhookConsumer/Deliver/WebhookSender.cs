using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;
using Jetstream.Atproto.Network;
using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookConsumer.Limits;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// Makes one delivery attempt: the signed POST of one event's JSON to one subscription's webhook. One instance per
/// subscription and webhook version, made with that subscription's options (<see cref="WebhookOptions.WithReceiver"/>).
/// </summary>
internal sealed class WebhookSender
{
    public static readonly string UserAgent = "Jetstream.Orleans/" +
        (typeof(WebhookSender).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0");

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _client;
    private readonly WebhookSigner _signer;
    private readonly TimeProvider _timeProvider;
    private readonly Uri _url;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly TimeSpan _timeout;
    private readonly string _timeoutSetting;

    /// <param name="circuit">The endpoint's circuit every request goes through.</param>
    /// <param name="timeoutSetting">Where the timeout was set, for the error of a timed-out attempt.</param>
    /// <param name="rateLimit">The subscription's requests per second; null: none.</param>
    public WebhookSender(HttpClient client, WebhookSigner signer, IOptions<WebhookOptions> options, TimeProvider timeProvider, EndpointCircuit circuit, string timeoutSetting = "Webhook:TimeoutSeconds", RequestRateLimit? rateLimit = null)
    {
        Circuit = circuit;
        RateLimit = rateLimit ?? RequestRateLimit.None;
        _client = client;
        _signer = signer;
        _timeProvider = timeProvider;
        _url = new Uri(options.Value.Url!, UriKind.Absolute);
        _authorization = string.IsNullOrEmpty(options.Value.BearerToken) ? null : new AuthenticationHeaderValue("Bearer", options.Value.BearerToken);
        TimeoutSeconds = options.Value.TimeoutSeconds;
        BatchMaxEvents = options.Value.BatchMaxEvents;
        BatchMaxBytes = options.Value.BatchMaxBytes;
        _timeout = TimeSpan.FromSeconds(TimeoutSeconds);
        _timeoutSetting = timeoutSetting;
    }

    /// <summary>Most events in one request: 1, one request per event (the body the event itself); more, batches.</summary>
    public int BatchMaxEvents { get; }

    /// <summary>Most bytes of a batch's body.</summary>
    public int BatchMaxBytes { get; }

    /// <summary>Time allowed for one attempt (the batch deadline leaves room for it).</summary>
    public int TimeoutSeconds { get; }

    /// <summary>The endpoint's circuit: the scheduler asks it whether to send (<see cref="EndpointCircuit.WaitAsync"/>).</summary>
    public EndpointCircuit Circuit { get; }

    /// <summary>The webhook's <c>maxRequestsPerSecond</c>: every request waits for a permit before it takes a slot.</summary>
    public RequestRateLimit RateLimit { get; }

    /// <summary>
    /// One signed POST through the endpoint's circuit; <see cref="DeliveryResult.NotSent"/> when the circuit refused it
    /// (open, or another request is the probe), so nothing reached the endpoint and no attempt happened.
    /// </summary>
    /// <param name="traceParent">The event's trace from the queue message, sent on when no span of ours is current.</param>
    public async Task<DeliveryResult> SendAsync(string eventId, ReadOnlyMemory<byte> body, string? traceParent, CancellationToken cancellationToken) =>
        await Circuit.SendAsync(static (state, token) => state.Sender.SendDirectAsync(state.EventId, state.Body, state.TraceParent, token), (Sender: this, EventId: eventId, Body: body, TraceParent: traceParent), cancellationToken)
        ?? DeliveryResult.NotSent;

    private async Task<DeliveryResult> SendDirectAsync(string eventId, ReadOnlyMemory<byte> body, string? traceParent, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = JsonContentType;
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.Authorization = _authorization;
        request.Options.Set(WebhookHttpClients.TimeoutKey, _timeout);
        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation("webhook-id", eventId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (_signer.IsEnabled)
        {
            request.Headers.TryAddWithoutValidation("webhook-signature", _signer.Sign(eventId, timestamp, body.Span));
        }

        // With traces exported, `webhook.deliver` is current and HttpClient sends it on. Without, no span is made
        // (ServiceDefaults' TraceExport), so the event's parent from the queue goes on as it came: a receiver that
        // traces still joins the trace the processor began.
        if (traceParent is not null && Activity.Current is null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        try
        {
            // Headers only: the receiver's answer body is not used, and must not be buffered whatever its size.
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return DeliveryResult.Success(status);
            }

            var retryAfter = status is 429 or 503 ? RetryAfter(response.Headers.RetryAfter) : null;
            return DeliveryResult.Failure(status, $"HTTP {status} {response.ReasonPhrase}".TrimEnd(), retryAfter, endpoint: DeliveryResult.IsEndpointStatus(status));
        }
        catch (TimeoutRejectedException)
        {
            return DeliveryResult.Failure(null, $"No response within {TimeoutSeconds} s ({_timeoutSetting}).", endpoint: true);
        }
        catch (HttpRequestException ex)
        {
            // A refused private address is the subscription's configuration, not an outage: it follows the event's schedule.
            var refused = ex.InnerException is PrivateNetworkRefusedException;
            return DeliveryResult.Failure(null, "Connection error: " + (ex.InnerException?.Message ?? ex.Message), endpoint: !refused);
        }
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _timeProvider.GetUtcNow(),
        _ => null,
    };
}
