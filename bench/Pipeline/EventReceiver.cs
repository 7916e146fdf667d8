using System.Collections.Concurrent;
using System.Net;
using Jetstream.WebhookReceiver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The receiver of issue 13's scenarios: Standard Webhooks signatures checked, and every event counted whether it came
/// alone or in a batch body (<c>{"events":[…]}</c>, <see cref="WebhookBodies"/>), since <c>WebhookReceiverHost</c>
/// counts requests. Each event is known by its <c>time_us</c>, which the emulator makes unique; with
/// <see cref="TrackEvents"/> its first arrival is kept, for latencies, late arrivals and duplicates of an event whatever
/// request carried it. The firehose leaves tracking off (a million entries would be the bench process's CPU).
/// </summary>
internal sealed class EventReceiver : IBenchReceiver, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SignatureVerifier _verifier = new(ScenarioStack.WebhookSecret, TimeSpan.FromMinutes(5));
    private readonly ConcurrentDictionary<string, byte> _acceptedIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, long> _firstArrivalTicks = new();
    private readonly List<long> _latencyMicros = [];
    private readonly Lock _latencyLock = new();
    private long _requests;
    private long _events;
    private long _eventRepeats;
    private long _duplicateIds;
    private long _eventsInDuplicateIds;
    private long _rejected;
    private long _failed;
    private long _backfillEvents;
    private long _lastBackfillTicks;

    private EventReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>How requests are answered from now on (down, a share failing, a status): the receiver's own options.</summary>
    public ReceiverBehaviour Behaviour { get; set; } = ReceiverBehaviour.Normal;

    /// <summary>Keep each event's first arrival (sparse, outage and duplicate scenarios).</summary>
    public bool TrackEvents { get; init; }

    /// <summary>
    /// Count a backfill's events (<c>"live":false</c>) apart (issue 18): they are in <see cref="BackfillEvents"/> and the
    /// counts, but not in <see cref="Latency"/>, which is then the live events' alone.
    /// </summary>
    public bool SplitBackfill { get; init; }

    /// <summary>Accepted backfill events (<see cref="SplitBackfill"/>), repeats included.</summary>
    public long BackfillEvents => Interlocked.Read(ref _backfillEvents);

    /// <summary>When the last accepted request with a backfill event arrived (<see cref="SplitBackfill"/>); null if none.</summary>
    public DateTime? LastBackfillArrival => Interlocked.Read(ref _lastBackfillTicks) is var ticks and > 0 ? new DateTime(ticks, DateTimeKind.Utc) : null;

    /// <summary>Requests failed on purpose by <see cref="Behaviour"/>.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Accepted deliveries of an event that had been accepted before (tracked events only).</summary>
    public long EventRepeats => Interlocked.Read(ref _eventRepeats);

    public ReceiverCounts Counts
    {
        get
        {
            var events = Interlocked.Read(ref _events);
            var unique = TrackEvents ? _firstArrivalTicks.Count : events - Interlocked.Read(ref _eventsInDuplicateIds);
            return new ReceiverCounts(Interlocked.Read(ref _requests), events, unique, Interlocked.Read(ref _duplicateIds), Interlocked.Read(ref _rejected));
        }
    }

    public static async Task<EventReceiver> StartAsync(bool trackEvents, bool splitBackfill = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
        });
        var app = builder.Build();
        var receiver = new EventReceiver(app) { TrackEvents = trackEvents, SplitBackfill = splitBackfill };
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return receiver;
    }

    /// <summary>The tracked events: each one's <c>time_us</c> as a UTC time (when the emulator published it) and its first arrival.</summary>
    public IReadOnlyCollection<(DateTime Published, DateTime Arrived)> FirstArrivals() =>
        [.. _firstArrivalTicks.Select(e => (DateTime.UnixEpoch.AddTicks(e.Key * 10), new DateTime(e.Value, DateTimeKind.Utc)))];

    /// <summary>Arrival minus <c>time_us</c> of each event's first delivery (every delivery when not tracking), in ms.</summary>
    public Percentiles Latency()
    {
        lock (_latencyLock)
        {
            return Percentiles.Of(_latencyMicros.Select(micros => micros / 1000.0));
        }
    }

    public void Reset()
    {
        _acceptedIds.Clear();
        _firstArrivalTicks.Clear();
        lock (_latencyLock)
        {
            _latencyMicros.Clear();
        }

        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _events, 0);
        Interlocked.Exchange(ref _eventRepeats, 0);
        Interlocked.Exchange(ref _duplicateIds, 0);
        Interlocked.Exchange(ref _eventsInDuplicateIds, 0);
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _failed, 0);
        Interlocked.Exchange(ref _backfillEvents, 0);
        Interlocked.Exchange(ref _lastBackfillTicks, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = DateTime.UtcNow;
        Interlocked.Increment(ref _requests);
        var behaviour = Behaviour;
        if (behaviour.Down)
        {
            Interlocked.Increment(ref _failed);
            context.Abort();
            return;
        }

        var request = context.Request;
        var body = await ReadBodyAsync(request, context.RequestAborted);
        var id = request.Headers["webhook-id"].ToString();
        if (!_verifier.Verify(id, request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body, arrived))
        {
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var status = behaviour.StatusCode ?? (behaviour.FailureRate > 0 && Random.Shared.NextDouble() < behaviour.FailureRate ? 500 : 200);
        if (status is < 200 or > 299)
        {
            Interlocked.Increment(ref _failed);
            context.Response.StatusCode = status;
            return;
        }

        var backfill = SplitBackfill ? new List<long>() : null;
        var times = WebhookBodies.EventTimes(body, backfill);
        if (backfill is { Count: > 0 })
        {
            Interlocked.Add(ref _backfillEvents, backfill.Count);
            Interlocked.Exchange(ref _lastBackfillTicks, Math.Max(arrived.Ticks, Interlocked.Read(ref _lastBackfillTicks)));
            Interlocked.Add(ref _events, backfill.Count);
        }

        Interlocked.Add(ref _events, times.Count);
        if (!_acceptedIds.TryAdd(id, 0))
        {
            Interlocked.Increment(ref _duplicateIds);
            Interlocked.Add(ref _eventsInDuplicateIds, times.Count + (backfill?.Count ?? 0));
        }

        var nowMicros = (arrived - DateTime.UnixEpoch).Ticks / 10;
        foreach (var timeUs in times)
        {
            if (TrackEvents && !_firstArrivalTicks.TryAdd(timeUs, arrived.Ticks))
            {
                Interlocked.Increment(ref _eventRepeats);
                continue;
            }

            lock (_latencyLock)
            {
                _latencyMicros.Add(nowMicros - timeUs);
            }
        }

        context.Response.StatusCode = status;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            var buffer = new byte[length];
            await request.Body.ReadExactlyAsync(buffer, cancellationToken);
            return buffer;
        }

        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}
