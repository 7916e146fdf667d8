using System.Diagnostics.Metrics;
using Jetstream.Storage;
using Jetstream.Grains.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Grains.Tests.Unit.Cursor;

/// <summary>
/// A <see cref="QueueSink"/> on a fake clock and an in-memory queue. The tests drive it as the grain's one scheduler
/// does, one call at a time: with no synchronization context, a write the test acknowledges (or a retry the clock
/// releases) continues inline, before the test's next line.
/// </summary>
public sealed class SinkHarness : IDisposable
{
    public const string Did = "did:plc:unit";

    public const string V1A = "wss://a.example/subscribe";
    public const string V1B = "wss://b.example/subscribe";
    public const string V2A = "wss://c.example/xrpc/network.bsky.jetstream.subscribeEvents";
    public const string V2B = "wss://d.example/xrpc/network.bsky.jetstream.subscribeEvents";

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly SynchronizationContext? _context = SynchronizationContext.Current;

    public SinkHarness(int maxInFlight = 4, IHeldEventWriter? holds = null)
    {
        SynchronizationContext.SetSynchronizationContext(null);
        Metrics = new ProcessorMetrics(_services.GetRequiredService<IMeterFactory>(), Time);
        Sink = new QueueSink(Queue, maxInFlight, TimeSpan.FromSeconds(5), Time, Metrics, NullLogger.Instance, "unit") { Holds = holds };
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public InMemoryEventQueue Queue { get; } = new();

    public ProcessorMetrics Metrics { get; }

    public QueueSink Sink { get; }

    public void Add(long timeUs, long? seq = null, string did = Did) => Sink.Add(Event(timeUs, did), "app.test.record", seq, CancellationToken.None);

    public Acknowledged Take()
    {
        Assert.True(Sink.TryTakeAcknowledged(out var acknowledged), "Expected the sink to report an acknowledgement.");
        return acknowledged;
    }

    public static QueuedEvent Event(long timeUs, string did = Did) => new()
    {
        EventId = EventIds.ForCommit(did, "app.test.record", "k" + timeUs, "rev", "create"),
        QueuedAt = DateTimeOffset.UnixEpoch,
        Did = did,
        TimeUs = timeUs,
        EventJson = System.Text.Encoding.UTF8.GetBytes($$"""{"did":"{{did}}","time_us":{{timeUs}}}"""),
    };

    public void Dispose()
    {
        SynchronizationContext.SetSynchronizationContext(_context);
        _services.Dispose();
    }
}
