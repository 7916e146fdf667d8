using System.Net.WebSockets;
using System.Text;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The socket's whole life, as a sequence the reader pulls with <see cref="NextAsync"/>: connect (timeout, hello,
/// handshake errors), frames decompressed and read by the endpoint's wire, idle moments, session ends, backoff,
/// failover and liveness, and the status /status shows. It knows no cursor but the one it is given: when an attempt is
/// due it says so (<see cref="ConnectionEventKind.ReadyToConnect"/>), and its reader connects with the cursor it planned
/// (<see cref="ConnectAsync"/>). It knows nothing of queues. Runs on its owner's scheduler (one caller at a time).
/// </summary>
public sealed class JetstreamConnection : IDisposable
{
    private readonly JetstreamOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _key;
    private readonly EndpointRotation _endpoints;
    private readonly CompressionPlanner _compression;
    private readonly FrameReceiver _receiver;
    private readonly WireSet _wires = new();
    private readonly AttemptWait _wait;
    private readonly ConnectionTracker _track;
    private readonly SessionGaps _gaps;
    private readonly HandshakeRejections _rejections;
    private ClientWebSocket? _socket;
    private CancellationTokenSource? _session;
    private ZstdFrameDecoder? _decoder;
    private WireFrame? _held;
    private bool _interrupted;
    private WireFilters _filters = new([], [], false, false);
    private WireFilters? _filtersOnSocket;

    public JetstreamConnection(JetstreamOptions options, IZstdDictionarySource? dictionaries, IHttpClientFactory http, TimeProvider time, ILogger logger, string key)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _key = key;
        _endpoints = new EndpointRotation(ProcessorBackoff.ForReconnects(options, time), options.FailoverAfterAttempts);
        _compression = new CompressionPlanner(options.Compress, dictionaries, options.MaxFrameBytes);
        _track = new ConnectionTracker();
        _receiver = new FrameReceiver(options.MaxFrameBytes, _track, time);
        _wait = new AttemptWait(time);
        _gaps = new SessionGaps(TimeSpan.FromSeconds(options.ServerRetentionSeconds), time);
        _rejections = new HandshakeRejections(_compression, _gaps, http, logger, key);
    }

    public bool IsOpen => _socket is { State: WebSocketState.Open } && _track.State == ConnectionState.Connected;

    /// <summary>The endpoints to use from the next connection on; a changed list starts again at its first entry.</summary>
    public void UseEndpoints(string[] endpoints) => _endpoints.Use(endpoints);

    /// <summary>Ends the session (or the wait before the next one) at once; the next attempt is immediate.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        _wait.Wake();
        _session?.Cancel();
        _socket?.Abort();
    }

    /// <summary>
    /// The reader found a new event in this session's frames (only it can tell: a replayed duplicate is not progress):
    /// the next failure backs off from the start, and the next attempt is told the session did not stall.
    /// </summary>
    public void Progressed() => _endpoints.Progressed();

    /// <summary>
    /// New filters. On a wire that can change them live (v1 <c>options_update</c>) they go to the open socket; on one
    /// that cannot (v2) the session ends and the next one, at the cursor, carries them.
    /// </summary>
    public async Task UpdateFiltersAsync(WireFilters filters, CancellationToken cancellationToken)
    {
        _filters = filters;
        if (!IsOpen || filters.SameAs(_filtersOnSocket))
        {
            return;
        }

        if (_wires.For(_track.Endpoint!).FiltersUpdate(filters) is not { } update)
        {
            Interrupt();
            return;
        }

        _filtersOnSocket = filters;
        try
        {
            await _socket!.SendAsync(Encoding.UTF8.GetBytes(update), WebSocketMessageType.Text, true, cancellationToken);
            Log.FiltersUpdated(_logger, _key, filters.Collections.Length, filters.Dids.Length);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket went away meanwhile: the next connection's URL carries the new filters.
            _filtersOnSocket = null;
        }
    }

    public ConnectionStatus Status() => _track.Status(_socket, _endpoints.ConsecutiveFailures);

    /// <summary>The next thing that happens on the connection; throws <see cref="OperationCanceledException"/> once <paramref name="stopping"/> is cancelled.</summary>
    public async ValueTask<ConnectionEvent> NextAsync(CancellationToken stopping)
    {
        if (_held is { } held)
        {
            _held = null;
            return new ConnectionEvent(ConnectionEventKind.Frame, _track.Endpoint!, _wires.For(_track.Endpoint!), held);
        }

        if (_socket is not null)
        {
            return await ReceiveAsync(stopping);
        }

        await _wait.WaitAsync(stopping);
        if (_interrupted)
        {
            // Woken early (or interrupted between attempts): the owner may want something else first (a pause, new
            // endpoints); it asks again.
            _interrupted = false;
            return new ConnectionEvent(ConnectionEventKind.Idle, _endpoints.Current, _wires.For(_endpoints.Current));
        }

        var endpoint = _endpoints.Current;
        return new ConnectionEvent(ConnectionEventKind.ReadyToConnect, endpoint, _wires.For(endpoint), ServerCursor: _gaps.ResumeOverride(endpoint), LastSessionStalled: _endpoints.LastSessionStalled);
    }

    /// <summary>
    /// Opens a session on the endpoint <see cref="ConnectionEventKind.ReadyToConnect"/> named, at <paramref name="cursor"/>:
    /// <see cref="ConnectionEventKind.SessionStarted"/>, or the attempt's end (<see cref="ConnectionEventKind.SessionEnded"/>,
    /// or a <see cref="ConnectionEventKind.Gap"/> when the server refused the cursor and named its floor).
    /// </summary>
    public async ValueTask<ConnectionEvent> ConnectAsync(long? cursor, CancellationToken stopping)
    {
        _interrupted = false;
        _wait.Rearm();

        var endpoint = _endpoints.Current;
        var wire = _wires.For(endpoint);
        var (compression, decoder) = await _compression.ForAsync(endpoint, wire, stopping);
        var filters = _filters;
        var request = wire.Request(endpoint, filters, cursor, compression);
        var ws = JetstreamSocket.Create(_options.LivenessTimeoutSeconds);
        _socket = ws;
        _session = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _decoder = decoder;
        _endpoints.Attempting();
        _track.Connecting(endpoint, wire.Name, request.Uri, _compression.Describe(endpoint, compression));
        Log.Connecting(_logger, _key, request.Uri);
        try
        {
            await JetstreamSocket.OpenAsync(ws, request, TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), _session.Token);
            _track.Connected(_time.GetUtcNow());
            _endpoints.Opened();
            _filtersOnSocket = filters;
            _gaps.SessionStarted(endpoint, wire, cursor);
            Log.Connected(_logger, _key, endpoint);
            // Filters changed while the handshake was under way go to the server now.
            await UpdateFiltersAsync(_filters, _session.Token);
            return new ConnectionEvent(ConnectionEventKind.SessionStarted, endpoint, wire);
        }
        catch (WebSocketException) when ((int)ws.HttpStatusCode is >= 400 and < 500 && !stopping.IsCancellationRequested)
        {
            return await RejectedAsync(endpoint, wire, request.Uri, cursor, (int)ws.HttpStatusCode, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            EndSocket();
            throw;
        }
        catch (Exception ex)
        {
            return EndSession(endpoint, wire, ex);
        }
    }

    private async ValueTask<ConnectionEvent> RejectedAsync(string endpoint, IJetstreamWire wire, Uri uri, long? cursor, int status, CancellationToken stopping)
    {
        EndSocket();
        var (gap, retryNow, error) = await _rejections.ExplainAsync(endpoint, wire, uri, cursor, status, stopping);
        if (gap is not null)
        {
            return new ConnectionEvent(ConnectionEventKind.Gap, endpoint, wire, Gap: gap);
        }

        if (!retryNow)
        {
            var retry = TimeSpan.FromSeconds(_options.ConfigurationErrorRetrySeconds);
            _track.ConfigurationError(error!, _time.GetUtcNow(), retry);
            Log.ConfigurationRejected(_logger, _key, endpoint, status, retry);
            _wait.Before(retry);
        }

        return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
    }

    private async ValueTask<ConnectionEvent> ReceiveAsync(CancellationToken stopping)
    {
        var endpoint = _track.Endpoint!;
        var wire = _wires.For(endpoint);
        try
        {
            while (true)
            {
                var (outcome, frame) = await _receiver.ReceiveAsync(_socket!, _decoder, wire, _session!.Token);
                switch (outcome)
                {
                    case ReceiveOutcome.Idle:
                        return new ConnectionEvent(ConnectionEventKind.Idle, endpoint, wire);
                    case ReceiveOutcome.Closed:
                        await _socket!.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None)
                            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                        return EndSession(endpoint, wire, null);
                }

                switch (frame.Kind)
                {
                    case WireFrameKind.Info:
                        _gaps.Info(frame);
                        Log.ServerNotice(_logger, _key, endpoint, frame.Name, frame.Problem);
                        continue;
                    case WireFrameKind.Error:
                        return EndSession(endpoint, wire, null, _gaps.ServerError(frame));
                    case WireFrameKind.Event when _gaps.FirstEvent(frame) is { } gap:
                        // The event itself follows the gap, from the same buffers (nothing is read before it is taken).
                        _held = frame;
                        return new ConnectionEvent(ConnectionEventKind.Gap, endpoint, wire, Gap: gap);
                }

                return new ConnectionEvent(ConnectionEventKind.Frame, endpoint, wire, frame);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            EndSocket();
            throw;
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            return EndSession(endpoint, wire, _interrupted ? null : ex);
        }
    }

    /// <summary>Closes the session's books: backoff (unless interrupted), the error /status shows, failover.</summary>
    private ConnectionEvent EndSession(string endpoint, IJetstreamWire wire, Exception? failure, string? serverError = null)
    {
        var closeStatus = _socket?.CloseStatus;
        var closeDescription = _socket?.CloseStatusDescription;
        EndSocket();
        if (_interrupted)
        {
            _endpoints.Interrupted();
            _track.Connecting(endpoint, wire.Name, null, null);
            return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
        }

        var (delay, failedOverTo, failures) = _endpoints.Ended();
        _track.Backoff(ConnectionTracker.WhyEnded(endpoint, failure, serverError, closeStatus, closeDescription), _time.GetUtcNow(), delay);
        Log.ConnectionLost(_logger, failure, _key, endpoint, delay);
        if (failedOverTo is not null)
        {
            Log.FailingOver(_logger, _key, endpoint, failedOverTo, failures);
        }

        _wait.Before(delay);
        return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
    }

    private void EndSocket()
    {
        _held = null;
        _receiver.Reset();
        _session?.Dispose();
        _session = null;
        _socket?.Dispose();
        _socket = null;
        _track.Closed();
    }

    public void Dispose()
    {
        Interrupt();
        EndSocket();
        _track.Stopped();
        _receiver.Dispose();
        _compression.Dispose();
        _wait.Dispose();
    }
}
