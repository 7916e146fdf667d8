using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookReceiver;

/// <summary>
/// A real Kestrel webhook receiver on its own port: verifies Standard Webhooks signatures, counts deliveries, unique
/// ids and duplicates, measures end-to-end latency from the body's <c>time_us</c>, and fails on demand
/// (<see cref="Behaviour"/>). Used in-process by tests and benchmarks, and by the executable for the offline demo.
/// </summary>
public sealed class WebhookReceiverHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ReceiverOptions _options;
    private readonly SignatureVerifier? _verifier;
    private readonly ConcurrentDictionary<string, int> _deliveredIds = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly LatencySamples _latencies = new();
    private readonly Lock _outputLock = new();
    private long _requestCount;
    private long _deliveredCount;
    private long _rejectedCount;
    private long _failedCount;
    private long _inFlight;
    private long _maxInFlight;

    private WebhookReceiverHost(WebApplication app, ReceiverOptions options)
    {
        _app = app;
        _options = options;
        _verifier = string.IsNullOrWhiteSpace(options.Secret) ? null : new SignatureVerifier(options.Secret, options.TimestampTolerance);
        Events = new EventTally(options.TrackEvents, options.SplitBackfill);
    }

    /// <summary>The URL to POST to, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The events in accepted requests (<see cref="ReceiverOptions.CountEvents"/>; empty when off).</summary>
    public EventTally Events { get; }

    /// <summary>Accepted events by the path they came to (<see cref="ReceiverOptions.KeyByPath"/>; empty when not set).</summary>
    public PathTally Paths { get; } = new();

    /// <summary>How requests are answered from now on; replace it to change behaviour at run time.</summary>
    public ReceiverBehaviour Behaviour { get; set; } = ReceiverBehaviour.Normal;

    /// <summary>Accepted deliveries in arrival order (empty when <see cref="ReceiverOptions.RecordDeliveries"/> is off).</summary>
    public IReadOnlyList<Delivery> Deliveries => _deliveries.ToArray();

    /// <summary>Every request in arrival order with its status (empty when recording is off).</summary>
    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    public ReceiverStats Stats
    {
        get
        {
            var delivered = Interlocked.Read(ref _deliveredCount);
            var unique = _deliveredIds.Count;
            return new ReceiverStats
            {
                Requests = Interlocked.Read(ref _requestCount),
                Delivered = delivered,
                Events = _options.CountEvents ? Events.Events : delivered,
                UniqueEvents = _options.CountEvents ? Events.UniqueEvents : unique,
                UniqueIds = unique,
                Duplicates = delivered - unique,
                Rejected = Interlocked.Read(ref _rejectedCount),
                Failed = Interlocked.Read(ref _failedCount),
                MaxConcurrent = Interlocked.Read(ref _maxInFlight),
            };
        }
    }

    public static async Task<WebhookReceiverHost> StartAsync(ReceiverOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(WebhookReceiverHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        var host = new WebhookReceiverHost(app, options);
        app.Run(host.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return host;
    }

    /// <summary>The URL for posts kept under <paramref name="path"/> (<see cref="ReceiverOptions.KeyByPath"/>).</summary>
    public Uri UrlFor(string path) => new(Url, path);

    /// <summary>Waits until <paramref name="uniqueIds"/> distinct ids have been delivered; throws with the counts on timeout.</summary>
    public async Task WaitForUniqueAsync(long uniqueIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_deliveredIds.Count < uniqueIds)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {uniqueIds} unique deliveries; have {Stats}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Latency percentiles over first deliveries so far (with <see cref="ReceiverOptions.CountEvents"/>: <see cref="EventTally.LatencyMillis"/>).</summary>
    public LatencySummary Latency() => _latencies.Summary();

    /// <summary>Forgets every count, delivery and latency sample (between benchmark phases).</summary>
    public void Reset()
    {
        _deliveredIds.Clear();
        _deliveries.Clear();
        _requests.Clear();
        _latencies.Clear();
        Events.Clear();
        Paths.Clear();

        Interlocked.Exchange(ref _requestCount, 0);
        Interlocked.Exchange(ref _deliveredCount, 0);
        Interlocked.Exchange(ref _rejectedCount, 0);
        Interlocked.Exchange(ref _failedCount, 0);
        Interlocked.Exchange(ref _maxInFlight, 0);
    }

    /// <summary>Completes when the host is asked to stop (Ctrl-C or SIGTERM for the executable).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Interlocked.Read(ref _maxInFlight); inFlight > max; max = Interlocked.Read(ref _maxInFlight))
        {
            Interlocked.CompareExchange(ref _maxInFlight, inFlight, max);
        }

        try
        {
            await HandleCoreAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        var arrivedAt = DateTimeOffset.UtcNow;
        Interlocked.Increment(ref _requestCount);
        var behaviour = Behaviour;
        var request = context.Request;
        var id = request.Headers["webhook-id"].ToString();
        if (behaviour.Down)
        {
            Interlocked.Increment(ref _failedCount);
            Record(id, arrivedAt, 0, null, false);
            context.Abort();
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        var body = await RequestBody.ReadAsync(request, context.RequestAborted);
        var signatureValid = _verifier?.Verify(id, request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body, arrivedAt) ?? false;
        if (_verifier is not null && !signatureValid)
        {
            Interlocked.Increment(ref _rejectedCount);
            Record(id, arrivedAt, StatusCodes.Status401Unauthorized, body, false);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        if (behaviour.Delay > TimeSpan.Zero)
        {
            await Task.Delay(behaviour.Delay, context.RequestAborted);
        }

        var status = behaviour.StatusCode ?? (behaviour.FailureRate > 0 && Random.Shared.NextDouble() < behaviour.FailureRate ? 500 : 200);
        if (behaviour.RefuseBodiesContaining is { Length: > 0 } refused && body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(refused)) >= 0)
        {
            status = StatusCodes.Status422UnprocessableEntity;
        }

        if (status is < 200 or > 299)
        {
            Interlocked.Increment(ref _failedCount);
            Record(id, arrivedAt, status, body, signatureValid);
            if (behaviour.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((long)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            context.Response.StatusCode = status;
            return;
        }

        // Kept before the id is counted: whoever waits for a count then finds every counted delivery recorded.
        if (_options.RecordDeliveries)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in request.Headers)
            {
                headers[header.Key] = header.Value.ToString();
            }

            _deliveries.Enqueue(new Delivery(id, body, headers, arrivedAt, signatureValid));
        }

        Record(id, arrivedAt, status, body, signatureValid);
        Interlocked.Increment(ref _deliveredCount);
        var first = _deliveredIds.AddOrUpdate(id, 1, static (_, n) => n + 1) == 1;
        // Counting events, the tally keeps every event's latency, batches included: one read of the body is enough.
        if (first && !_options.CountEvents && RequestBody.TryReadTimeUs(body) is { } timeUs)
        {
            _latencies.Add(arrivedAt, timeUs);
        }

        if (_options.CountEvents)
        {
            Events.Add(body, !first, arrivedAt);
        }

        if (_options.KeyByPath is { } keyOf)
        {
            Paths.Add(request.Path.Value?.TrimStart('/') ?? "", keyOf(body));
        }

        context.Response.StatusCode = status;
    }

    private void Record(string id, DateTimeOffset arrivedAt, int status, byte[]? body, bool signatureValid)
    {
        if (_options.RecordDeliveries)
        {
            _requests.Enqueue(new ReceivedRequest(id.Length == 0 ? null : id, arrivedAt, status, body));
        }

        if (_options.Output is { } output)
        {
            var (collection, did) = body is null ? ("-", "-") : RequestBody.Describe(body);
            var signature = _verifier is null ? "unchecked" : signatureValid ? "verified" : "INVALID";
            var line = $"{arrivedAt:HH:mm:ss.fff} {(id.Length == 0 ? "-" : id)} {collection} {did} signature={signature} status={status}";
            lock (_outputLock)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }
    }
}
