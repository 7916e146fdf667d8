using System.Net.WebSockets;
using System.Text;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// A real <see cref="ClientWebSocket"/> connected to the emulator. A receive that times out stays pending (cancelling
/// it would abort the socket), so "nothing arrived yet" can be checked without losing the connection.
/// </summary>
public sealed class TestSubscriber : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private Task<ReceivedFrame>? _pending;

    private TestSubscriber(ClientWebSocket socket)
    {
        _socket = socket;
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    /// <summary>The subprotocol the server chose, if any.</summary>
    public string? SubProtocol => _socket.SubProtocol;

    /// <summary>The emulator's id for this connection (its upgrade response's <c>X-Emulator-Connection-Id</c>).</summary>
    public int ConnectionId => int.Parse(_socket.HttpResponseHeaders!["X-Emulator-Connection-Id"].Single(), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<TestSubscriber> ConnectAsync(Uri subscribeUri, string query = "", Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(new Uri(subscribeUri + query), timeout.Token);
        return new TestSubscriber(socket);
    }

    /// <summary>The next message, or a <see cref="TimeoutException"/> (the read stays pending for the next call).</summary>
    public async Task<ReceivedFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        _pending ??= ReadMessageAsync();
        var pending = _pending;
        if (await Task.WhenAny(pending, Task.Delay(timeout ?? DefaultTimeout)) != pending)
        {
            throw new TimeoutException("No message from the emulator in time.");
        }

        _pending = null;
        return await pending;
    }

    /// <summary>True when no message arrives within <paramref name="wait"/>.</summary>
    public async Task<bool> NothingArrivesWithinAsync(TimeSpan wait)
    {
        _pending ??= ReadMessageAsync();
        return await Task.WhenAny(_pending, Task.Delay(wait)) != _pending;
    }

    /// <summary>Messages up to and including the first one <paramref name="isLast"/> accepts.</summary>
    public async Task<List<ReceivedFrame>> ReceiveUntilAsync(Func<ReceivedFrame, bool> isLast, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var frames = new List<ReceivedFrame>();
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var frame = await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            frames.Add(frame);
            if (isLast(frame))
            {
                return frames;
            }
        }
    }

    /// <summary>Reads until the connection ends and returns the exception that ended it (null for a close frame).</summary>
    public async Task<(List<ReceivedFrame> Frames, WebSocketException? Error)> ReceiveUntilClosedAsync(TimeSpan? timeout = null)
    {
        var frames = new List<ReceivedFrame>();
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            try
            {
                var left = deadline - DateTime.UtcNow;
                var frame = await ReceiveAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
                if (frame.Type == WebSocketMessageType.Close)
                {
                    return (frames, null);
                }

                frames.Add(frame);
            }
            catch (WebSocketException ex)
            {
                return (frames, ex);
            }
        }
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    public Task SendBinaryAsync(byte[] payload) =>
        _socket.SendAsync(payload, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Already gone.
            }
        }

        _socket.Dispose();
    }

    private async Task<ReceivedFrame> ReadMessageAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new ReceivedFrame(WebSocketMessageType.Close, Encoding.UTF8.GetBytes(result.CloseStatusDescription ?? ""));
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return new ReceivedFrame(result.MessageType, message.ToArray());
            }
        }
    }
}
