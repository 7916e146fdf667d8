using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>
/// How a connection ends, decided once by whoever gets there first: a close handshake (client close, bad options,
/// 1008), an abrupt end with no close frame (drop, slow consumer, lost peer), optionally after one last error frame.
/// Ending cancels <see cref="Stopping"/>, which the sender checks between frames.
/// </summary>
internal sealed class ConnectionEnding
{
    private readonly TaskCompletionSource _abruptRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private int _ended;

    public CancellationToken Stopping => _stop.Token;

    public bool IsStopping => _stop.IsCancellationRequested;

    /// <summary>Completes when something outside the sender asked for an abrupt end.</summary>
    public Task AbruptRequested => _abruptRequested.Task;

    public bool Abrupt { get; private set; }

    /// <summary>The error frame to send before an abrupt end, made when it is sent.</summary>
    public Func<byte[]>? FinalFrame { get; private set; }

    public WebSocketCloseStatus CloseStatus { get; private set; } = WebSocketCloseStatus.NormalClosure;

    public string Reason { get; private set; } = "";

    public bool TryClose(WebSocketCloseStatus status, string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        CloseStatus = status;
        Reason = CloseReason.Truncate(reason);
        _stop.Cancel();
        return true;
    }

    public bool TryEndAbruptly(string reason, Func<byte[]>? finalFrame)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return false;
        }

        Abrupt = true;
        Reason = reason;
        FinalFrame = finalFrame;
        _stop.Cancel();
        _abruptRequested.TrySetResult();
        return true;
    }

    /// <summary>The peer is gone: stop sending, with nothing left to say.</summary>
    public void Lost()
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            Abrupt = true;
            Reason = "client went away";
            _stop.Cancel();
        }
    }

    /// <summary>A send failed: whatever happens next, nothing else ends this connection.</summary>
    public void MarkEnded() => Volatile.Write(ref _ended, 1);
}
