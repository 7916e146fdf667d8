using System.Net.WebSockets;
using System.Text;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The socket's whole life, as a sequence the reader pulls with <see cref="NextAsync"/>: connect (timeout, hello,
/// handshake errors), frames decompressed and read by the endpoint's wire, idle moments, session ends, backoff,
/// failover and liveness, and the status /status shows. It knows nothing of cursors beyond asking
/// <c>resumeAt</c> where to start, and nothing of queues. Runs on its owner's scheduler (one caller at a time).
/// </summary>
public sealed class JetstreamConnection : IDisposable
{
    private readonly JetstreamOptions _options;
    private readonly Func<string, IJetstreamWire, long?> _resumeAt;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _key;
    private readonly EndpointRotation _endpoints;
    private readonly CompressionPlanner _compression;
    private readonly FrameAssembler _assembler;
    private readonly Dictionary<string, IJetstreamWire> _wires = new(StringComparer.Ordinal);
    private readonly ConnectionTracker _track = new();
    private readonly SessionGaps _gaps;
    private readonly HandshakeRejections _rejections;
    private ClientWebSocket? _socket;
    private CancellationTokenSource? _session;
    private CancellationTokenSource _wake = new();
    private ValueTask<ValueWebSocketReceiveResult>? _pendingReceive;
    private ZstdFrameDecoder? _decoder;
    private TimeSpan? _delay;
    private WireFrame? _held;
    private bool _interrupted;
    private bool _madeProgress;
    private WireFilters _filters = new([], [], false, false);
    private WireFilters? _filtersOnSocket;

    public JetstreamConnection(JetstreamOptions options, Func<string, IJetstreamWire, long?> resumeAt, IZstdDictionarySource? dictionaries, TimeProvider time, ILogger logger, string key)
    {
        _options = options;
        _resumeAt = resumeAt;
        _time = time;
        _logger = logger;
        _key = key;
        _endpoints = new EndpointRotation(ReconnectBackoff.ForReconnects(options, time), options.FailoverAfterAttempts);
        _compression = new CompressionPlanner(options.Compress, dictionaries, options.MaxFrameBytes);
        _assembler = new FrameAssembler(options.MaxFrameBytes);
        _gaps = new SessionGaps(TimeSpan.FromSeconds(options.ServerRetentionSeconds), time);
        _rejections = new HandshakeRejections(_compression, _gaps, logger, key);
    }

    public bool IsOpen => _socket is { State: WebSocketState.Open } && _track.State == ConnectionState.Connected;

    /// <summary>The endpoints to use from the next connection on; a changed list starts again at its first entry.</summary>
    public void UseEndpoints(string[] endpoints) => _endpoints.Use(endpoints);

    /// <summary>Ends the session (or the wait before the next one) at once; the next attempt is immediate.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        _wake.Cancel();
        _session?.Cancel();
        _socket?.Abort();
    }

    /// <summary>The session delivered a new event: it is healthy, so the next failure backs off from the start.</summary>
    public void ReportProgress()
    {
        if (!_madeProgress)
        {
            _madeProgress = true;
            _endpoints.Healthy();
        }
    }

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

        if (WireFor(_track.Endpoint!).FiltersUpdate(filters) is not { } update)
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
            return new ConnectionEvent(ConnectionEventKind.Frame, _track.Endpoint!, WireFor(_track.Endpoint!), held);
        }

        if (_socket is not null)
        {
            return await ReceiveAsync(stopping);
        }

        if (_delay is { } delay)
        {
            _delay = null;
            await WaitUnlessWokenAsync(delay, stopping);
            stopping.ThrowIfCancellationRequested();
            if (_interrupted)
            {
                // Woken early: the owner may want something else first (a pause, new endpoints); it asks again.
                return new ConnectionEvent(ConnectionEventKind.Idle, _endpoints.Current, WireFor(_endpoints.Current));
            }
        }

        stopping.ThrowIfCancellationRequested();
        return await ConnectAsync(stopping);
    }

    private IJetstreamWire WireFor(string endpoint)
    {
        if (!_wires.TryGetValue(endpoint, out var wire))
        {
            // Endpoints are validated at start (options and Api), so an unknown path cannot get here.
            wire = JetstreamWires.Create(endpoint) ?? throw new InvalidOperationException($"No Jetstream wire serves '{endpoint}'.");
            _wires[endpoint] = wire;
        }

        return wire;
    }

    private async ValueTask<ConnectionEvent> ConnectAsync(CancellationToken stopping)
    {
        _interrupted = false;
        if (_wake.IsCancellationRequested)
        {
            _wake.Dispose();
            _wake = new CancellationTokenSource();
        }

        var endpoint = _endpoints.Current;
        var wire = WireFor(endpoint);
        // The owner is always asked (it applies a pending replay and sets its duplicate floor); a cursor the server
        // named (ConsumerTooSlow, the CursorTooOld floor) then takes precedence, once.
        var planned = _resumeAt(endpoint, wire);
        var cursor = _gaps.ResumeOverride(endpoint) ?? planned;
        var (compression, decoder) = await _compression.ForAsync(endpoint, wire, stopping);
        var filters = _filters;
        var request = wire.Request(endpoint, filters, cursor, compression);
        var ws = JetstreamSocket.Create(_options.LivenessTimeoutSeconds);
        _socket = ws;
        _session = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _decoder = decoder;
        _madeProgress = false;
        _track.Connecting(endpoint, wire.Name, request.Uri, _compression.Describe(endpoint, compression));
        Log.Connecting(_logger, _key, request.Uri);
        try
        {
            using (var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(_session.Token))
            {
                connectLimit.CancelAfter(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds));
                await ws.ConnectAsync(request.Uri, connectLimit.Token);
            }

            if (request.Hello is { } hello)
            {
                await ws.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, _session.Token);
            }

            _track.Connected(_time.GetUtcNow());
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
            _delay = retry;
        }

        return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
    }

    private async ValueTask<ConnectionEvent> ReceiveAsync(CancellationToken stopping)
    {
        var endpoint = _track.Endpoint!;
        var wire = WireFor(endpoint);
        try
        {
            while (true)
            {
                ValueTask<ValueWebSocketReceiveResult> receive;
                if (_pendingReceive is { } pending)
                {
                    _pendingReceive = null;
                    receive = pending;
                }
                else
                {
                    receive = _socket!.ReceiveAsync(_assembler.Free, _session!.Token);
                    if (!receive.IsCompleted)
                    {
                        _pendingReceive = receive;
                        return new ConnectionEvent(ConnectionEventKind.Idle, endpoint, wire);
                    }
                }

                var result = await receive;
                _track.Received(_time.GetUtcNow(), result.Count);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await _socket!.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None)
                        .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
                    return EndSession(endpoint, wire, null);
                }

                var progress = _assembler.Append(result.Count, result.EndOfMessage);
                if (progress == FrameProgress.Partial)
                {
                    continue;
                }

                var frame = progress == FrameProgress.Oversize ? new WireFrame(WireFrameKind.Oversize, default, default) : FrameReading.Read(_assembler.Frame, result.MessageType, _decoder, wire, _track);
                _assembler.Reset();
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
            _endpoints.Healthy();
            _track.Connecting(endpoint, wire.Name, null, null);
            return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
        }

        var (delay, failedOverTo, failures) = _endpoints.Ended(_madeProgress);
        _track.Backoff(
            serverError is not null ? $"{endpoint} ended the connection: {serverError}"
            : failure is null ? $"Connection to {endpoint} closed ({closeStatus?.ToString() ?? "no close frame"}{(closeDescription is { Length: > 0 } d ? ": " + d : "")})."
            : $"Connection to {endpoint} failed: {failure.GetType().Name}: {failure.Message}",
            _time.GetUtcNow(), delay);
        Log.ConnectionLost(_logger, failure, _key, endpoint, delay);
        if (failedOverTo is not null)
        {
            Log.FailingOver(_logger, _key, endpoint, failedOverTo, failures);
        }

        _delay = delay;
        return new ConnectionEvent(ConnectionEventKind.SessionEnded, endpoint, wire);
    }

    private void EndSocket()
    {
        _pendingReceive = null;
        _held = null;
        _assembler.Reset();
        _session?.Dispose();
        _session = null;
        _socket?.Dispose();
        _socket = null;
        _track.Closed();
    }

    /// <summary>Waits out a backoff; an <see cref="Interrupt"/> ends the wait early.</summary>
    private async Task WaitUnlessWokenAsync(TimeSpan delay, CancellationToken stopping)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping, _wake.Token);
        try
        {
            await Task.Delay(delay, _time, wait.Token);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
        }
    }

    public void Dispose()
    {
        Interrupt();
        EndSocket();
        _track.Stopped();
        _assembler.Dispose();
        _compression.Dispose();
        _wake.Dispose();
    }
}
