namespace Jetstream.Grains.Interfaces.Retries;

/// <summary>
/// How far a <see cref="Backoff"/> spreads each delay at random, as shares of it: a delay becomes anything from
/// <c>1 − Below</c> to <c>1 + Above</c> times itself. Spread so that many clients (or many events) that failed together
/// do not all come back in the same instant.
/// </summary>
public readonly record struct Jitter(double Below, double Above)
{
    public static Jitter None => default;

    /// <summary>± <paramref name="share"/>: the reconnects' spread, which may come sooner than the plain delay.</summary>
    public static Jitter Around(double share) => new(share, share);

    /// <summary>0 to + <paramref name="share"/>: a retry never comes before its scheduled step.</summary>
    public static Jitter Stretch(double share) => new(0, share);

    /// <summary>The delay spread by <paramref name="draw"/>, a number in [0, 1).</summary>
    public TimeSpan Apply(TimeSpan delay, double draw) =>
        Below == 0 && Above == 0 ? delay : delay * (1 - Below + ((Below + Above) * draw));
}
