namespace Jetstream.Grains.Connection;

/// <summary>The wait before the next connection attempt (a backoff, a configuration error's retry), which <see cref="Wake"/> ends early.</summary>
public sealed class AttemptWait(TimeProvider time) : IDisposable
{
    private CancellationTokenSource _wake = new();
    private TimeSpan? _delay;

    /// <summary>The next attempt waits <paramref name="delay"/> first.</summary>
    public void Before(TimeSpan delay) => _delay = delay;

    public void Wake() => _wake.Cancel();

    /// <summary>Waits out the delay set, if any; throws once <paramref name="stopping"/> is cancelled.</summary>
    public async Task WaitAsync(CancellationToken stopping)
    {
        if (_delay is not { } delay)
        {
            return;
        }

        _delay = null;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping, _wake.Token);
        await Task.Delay(delay, time, wait.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
        stopping.ThrowIfCancellationRequested();
    }

    /// <summary>An attempt starts: a wake from before it is spent.</summary>
    public void Rearm()
    {
        if (_wake.IsCancellationRequested)
        {
            _wake.Dispose();
            _wake = new CancellationTokenSource();
        }
    }

    public void Dispose() => _wake.Dispose();
}
