using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jetstream.Emulator;

/// <summary>
/// A Jetstream server (both wires) on a real Kestrel listener inside the calling process, for integration tests:
/// <c>await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { ... });</c> then point the
/// client at <see cref="SubscribeUri"/> (v1) or <see cref="SubscribeEventsUri"/> (v2) and <see cref="Publish(string)"/> events.
/// </summary>
public sealed class JetstreamEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorHub _hub;

    private JetstreamEmulator(WebApplication app, Uri baseUri)
    {
        _app = app;
        _hub = app.Services.GetRequiredService<EmulatorHub>();
        BaseUri = baseUri;
        var ws = baseUri.Scheme == "https" ? "wss" : "ws";
        SubscribeUri = new UriBuilder(baseUri) { Scheme = ws, Path = SubscribeEndpoint.Path }.Uri;
        SubscribeEventsUri = new UriBuilder(baseUri) { Scheme = ws, Path = SubscribeEventsEndpoint.Path }.Uri;
        GetZstdDictionaryUri = new UriBuilder(baseUri) { Path = ZstdDictionaryEndpoint.Path }.Uri;
    }

    /// <summary><c>http://127.0.0.1:port</c></summary>
    public Uri BaseUri { get; }

    /// <summary><c>ws://127.0.0.1:port/subscribe</c></summary>
    public Uri SubscribeUri { get; }

    /// <summary><c>ws://127.0.0.1:port/xrpc/network.bsky.jetstream.subscribeEvents</c> (the v2 wire)</summary>
    public Uri SubscribeEventsUri { get; }

    /// <summary><c>http://127.0.0.1:port/xrpc/network.bsky.jetstream.getZstdDictionary</c></summary>
    public Uri GetZstdDictionaryUri { get; }

    /// <summary>
    /// The live options: <see cref="EmulatorOptions.EventsPerSecond"/>, <see cref="EmulatorOptions.DropEveryNEvents"/>,
    /// <see cref="EmulatorOptions.Retention"/>, <see cref="EmulatorOptions.MaxLogEvents"/> and
    /// <see cref="EmulatorOptions.V2DictionaryId"/> may be changed while running.
    /// </summary>
    public EmulatorOptions Options => _hub.Options;

    /// <summary>Every retained published event, oldest first.</summary>
    public IReadOnlyList<LoggedEvent> Log => _hub.Log;

    /// <summary>Open connections (a dropped connection stops counting immediately).</summary>
    public int ActiveConnections => _hub.ActiveConnections;

    public long ConnectionsAccepted => _hub.ConnectionsAccepted;

    /// <summary><c>options_update</c> messages applied across all connections.</summary>
    public long OptionsUpdatesApplied => _hub.OptionsUpdatesApplied;

    /// <summary>Every open connection of either wire, with its byte counters.</summary>
    public IReadOnlyList<EmulatorConnection> Connections => _hub.Connections;

    /// <summary>Seq of the oldest retained event, after applying the retention now (<see cref="NextSeq"/> if none is left).</summary>
    public long FloorSeq => _hub.FloorSeq;

    /// <summary>The seq the next published event gets.</summary>
    public long NextSeq => _hub.NextSeq;

    /// <summary>Path and query of every <c>/subscribe</c> and <c>subscribeEvents</c> request, accepted or rejected, in arrival order.</summary>
    public IReadOnlyList<string> RequestedUrls => _hub.RequestedUrls;

    public EmulatorStats Stats => _hub.Stats;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; the message names it.</exception>
    public static async Task<JetstreamEmulator> StartAsync(EmulatorOptions? options = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        options ??= new EmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(JetstreamEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }

        builder.AddJetstreamEmulator();
        // Runs after the configuration binding, so the caller's options win.
        builder.Services.Configure<EmulatorOptions>(target =>
        {
            foreach (var property in typeof(EmulatorOptions).GetProperties().Where(p => p.CanWrite))
            {
                property.SetValue(target, property.GetValue(options));
            }
        });
        builder.WebHost.UseUrls(options.Urls);

        var app = builder.Build();
        app.MapJetstreamEmulator();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Urls.First();
        return new JetstreamEmulator(app, new Uri(address.Replace("//localhost:", "//127.0.0.1:", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Appends an event to the log with a fresh, strictly increasing <c>time_us</c> (wall-clock µs, +1 on collision;
    /// written over the event's own <c>time_us</c> or inserted after <c>did</c>) and queues it for every live
    /// subscriber whose filters match. Returns the <c>time_us</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Not a JSON object with a string <c>did</c>.</exception>
    public long Publish(string eventJson) => _hub.Publish(Encoding.UTF8.GetBytes(eventJson));

    /// <inheritdoc cref="Publish(string)"/>
    public long Publish(ReadOnlySpan<byte> utf8EventJson) => _hub.Publish(utf8EventJson);

    public IReadOnlyList<long> PublishMany(IEnumerable<string> events) => events.Select(Publish).ToArray();

    /// <summary>
    /// Sends a frame as is (malformed or oversized input for client tests) to every live subscriber, in order with
    /// the events around it. It is not logged, so a cursor never replays it.
    /// </summary>
    /// <param name="wire"><see cref="EmulatorConnection.V1"/> or <see cref="EmulatorConnection.V2"/> to send to one wire's connections only.</param>
    public void PublishRawFrame(ReadOnlyMemory<byte> payload, bool binary, string? wire = null) => _hub.PublishRawFrame(payload.ToArray(), binary, wire);

    /// <summary>Closes every connection without a close frame, like the real server dropping subscribers.</summary>
    public void DropAllConnections() => _hub.DropAll();

    /// <summary>Closes one connection (an <see cref="EmulatorConnection.Id"/>) without a close frame; false if it is not open.</summary>
    public bool DropConnection(int id) => _hub.Drop(id) > 0;

    /// <summary>
    /// Sends v2 connection <paramref name="connectionId"/> (or every v2 connection) a <c>ConsumerTooSlow</c> error frame
    /// naming the seq to resume at, then closes it with no close frame, as [V2] does. Returns how many were told.
    /// </summary>
    public int SignalConsumerTooSlow(int? connectionId = null) => _hub.SignalConsumerTooSlow(connectionId);

    /// <summary>Drops every retained event below <paramref name="floorSeq"/> (null: all so far); returns the new floor.</summary>
    public long Trim(long? floorSeq = null) => _hub.Trim(floorSeq);

    /// <summary>Waits until at least <paramref name="count"/> connections are open (see <see cref="ActiveConnections"/>).</summary>
    /// <exception cref="TimeoutException">They did not arrive in time.</exception>
    public async Task WaitForConnectionsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ActiveConnections < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} open connection(s) to the Jetstream emulator within {timeout}, have {ActiveConnections} (accepted so far: {ConnectionsAccepted}).");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _hub.DropAll();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
