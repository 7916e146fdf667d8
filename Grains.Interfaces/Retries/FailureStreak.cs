namespace Jetstream.Grains.Interfaces.Retries;

/// <summary>
/// Failures in a row under one <see cref="Backoff"/>, and the waits between them on the injected
/// <see cref="TimeProvider"/> (tests advance a fake clock). <see cref="Reset"/> after a success starts again from the
/// backoff's first delay.
/// </summary>
public sealed class FailureStreak(Backoff backoff, TimeProvider time)
{
    public int Count { get; private set; }

    /// <summary>The wait the next failure leads to, without counting it (jitter is drawn anew each time).</summary>
    public TimeSpan Delay => backoff.After(Count + 1);

    /// <summary>Counts one more failure and returns the wait it leads to.</summary>
    public TimeSpan NextDelay()
    {
        Count++;
        return backoff.After(Count);
    }

    /// <summary>Counts one more failure without a wait (the caller waited on something else).</summary>
    public void Failed() => Count++;

    public void Reset() => Count = 0;

    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, time, cancellationToken);

    /// <summary>Counts one more failure and waits as long as it says; a cancelled wait returns without throwing.</summary>
    public async Task FailedAndWaitAsync(CancellationToken cancellationToken) =>
        await WaitAsync(NextDelay(), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
}
