using System.Net.WebSockets;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Connection;

/// <summary>What /status says about the socket: its state as the connection moves through its life, and its byte counts.</summary>
public sealed class ConnectionTracker
{
    private DateTimeOffset? _connectedSince;
    private DateTimeOffset? _lastMessageAt;
    private DateTimeOffset? _nextAttemptAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private string? _wire;
    private Uri? _url;
    private string? _compression;
    private long _wireBytes;
    private long _decodedBytes;

    public ConnectionState State { get; private set; } = ConnectionState.Stopped;

    public string? Endpoint { get; private set; }

    public long WireBytes => _wireBytes;

    public long DecodedBytes => _decodedBytes;

    public void Connecting(string endpoint, string wire, Uri? url, string? compression)
    {
        State = ConnectionState.Connecting;
        Endpoint = endpoint;
        _wire = wire;
        _url = url ?? _url;
        _compression = compression ?? _compression;
    }

    public void Connected(DateTimeOffset now)
    {
        State = ConnectionState.Connected;
        _connectedSince = now;
    }

    public void Received(DateTimeOffset now, int bytes)
    {
        _lastMessageAt = now;
        _wireBytes += bytes;
    }

    public void Decoded(int bytes) => _decodedBytes += bytes;

    public void Backoff(string error, DateTimeOffset now, TimeSpan delay)
    {
        Error(error, now);
        State = ConnectionState.Backoff;
        _nextAttemptAt = now + delay;
    }

    /// <summary>What /status says about a session that ended other than on purpose.</summary>
    public static string WhyEnded(string endpoint, Exception? failure, string? serverError, WebSocketCloseStatus? closeStatus, string? closeDescription) =>
        serverError is not null ? $"{endpoint} ended the connection: {serverError}"
        : failure is null ? $"Connection to {endpoint} closed ({closeStatus?.ToString() ?? "no close frame"}{(closeDescription is { Length: > 0 } d ? ": " + d : "")})."
        : $"Connection to {endpoint} failed: {failure.GetType().Name}: {failure.Message}";

    public void ConfigurationError(string error, DateTimeOffset now, TimeSpan retry)
    {
        Error(error, now);
        State = ConnectionState.ConfigurationError;
        _nextAttemptAt = now + retry;
    }

    public void Error(string error, DateTimeOffset now)
    {
        _lastError = error;
        _lastErrorAt = now;
    }

    /// <summary>The socket is gone; the state says what comes next (set by the caller right after).</summary>
    public void Closed()
    {
        if (State == ConnectionState.Connected)
        {
            State = ConnectionState.Connecting;
        }
    }

    public void Stopped() => State = ConnectionState.Stopped;

    public ConnectionStatus Status(WebSocket? socket, int reconnectAttempts)
    {
        var socketState = socket?.State ?? WebSocketState.Closed;
        var connected = socketState == WebSocketState.Open && State == ConnectionState.Connected;
        return new ConnectionStatus
        {
            Connected = connected,
            ReadyState = socketState switch
            {
                WebSocketState.None or WebSocketState.Connecting => 0,
                WebSocketState.Open => 1,
                WebSocketState.CloseSent or WebSocketState.CloseReceived => 2,
                _ => 3,
            },
            State = State,
            Endpoint = Endpoint,
            SubscribeUrl = _url?.ToString(),
            ConnectedSince = connected ? _connectedSince : null,
            LastMessageAt = _lastMessageAt,
            ReconnectAttempts = reconnectAttempts,
            LastError = _lastError,
            LastErrorAt = _lastErrorAt,
            NextAttemptAt = State is ConnectionState.Backoff or ConnectionState.ConfigurationError ? _nextAttemptAt : null,
            Wire = _wire,
            Compression = _compression,
            WireBytes = _wireBytes,
            DecodedBytes = _decodedBytes,
            CompressionRatio = _wireBytes == 0 ? null : Math.Round((double)_decodedBytes / _wireBytes, 3),
        };
    }
}
