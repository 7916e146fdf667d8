namespace Jetstream.Grains.Interfaces.Retries;

/// <summary>
/// The one backoff formula: how long to wait after failures in a row, for every retry in the service (reconnects,
/// storage retries, the consumer's idle polls, the endpoint circuit's breaks, an event's retry schedule, a backfill
/// host's parking, the Orleans gateway and start-up retries). A delay grows (<see cref="Doubling"/>, a
/// <see cref="Steps"/> schedule, or a <see cref="Fixed"/> one), is spread by its <see cref="Jitter"/> (drawn from the
/// injected random source, so tests pass a seeded or fixed one), and is lengthened by an endpoint's <c>Retry-After</c>
/// through <see cref="HonourRetryAfter"/>, the one rule for it. Counting failures and waiting on a
/// <see cref="TimeProvider"/> is <see cref="FailureStreak"/>'s job; this type only computes.
/// </summary>
public sealed class Backoff
{
    private readonly TimeSpan[] _steps;
    private readonly TimeSpan _max;
    private readonly Jitter _jitter;
    private readonly Func<double> _random;
    private readonly bool _doubles;

    private Backoff(TimeSpan[] steps, TimeSpan max, bool doubles, Jitter jitter, Func<double>? random)
    {
        _steps = steps;
        _max = max;
        _doubles = doubles;
        _jitter = jitter;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The shortest delay (the first one, before jitter).</summary>
    public TimeSpan First => _steps[0];

    /// <summary>The longest delay: the doubling's cap, or the schedule's last step.</summary>
    public TimeSpan Max => _max;

    /// <summary><paramref name="first"/> · 2ⁿ⁻¹ after the n-th failure in a row, capped at <paramref name="max"/> (jitter included).</summary>
    public static Backoff Doubling(TimeSpan first, TimeSpan max, Jitter jitter = default, Func<double>? random = null) =>
        new([first < max ? first : max], max, doubles: true, jitter, random);

    /// <summary>The same delay after every failure.</summary>
    public static Backoff Fixed(TimeSpan delay) => new([delay], delay, doubles: false, Jitter.None, null);

    /// <summary>The n-th step after the n-th failure, the last step after any later one; jitter is not capped.</summary>
    public static Backoff Steps(IReadOnlyList<TimeSpan> steps, Jitter jitter = default, Func<double>? random = null)
    {
        if (steps.Count == 0)
        {
            throw new ArgumentException("A backoff schedule needs at least one step.", nameof(steps));
        }

        return new([.. steps], steps[^1], doubles: false, jitter, random);
    }

    /// <summary>
    /// The wait after the <paramref name="failures"/>-th failure in a row (1 for the first), lengthened to what the
    /// endpoint <paramref name="retryAfter"/> asked for, up to <paramref name="maxRetryAfter"/> (zero: not honoured).
    /// </summary>
    public TimeSpan After(int failures, TimeSpan? retryAfter = null, TimeSpan maxRetryAfter = default)
    {
        var n = Math.Max(1, failures);
        TimeSpan own;
        if (_doubles)
        {
            var doubled = First * Math.Pow(2, Math.Min(n - 1, 30));
            var jittered = _jitter.Apply(doubled < _max ? doubled : _max, _random());
            own = jittered < _max ? jittered : _max;
        }
        else
        {
            own = _jitter.Apply(_steps[Math.Min(n, _steps.Length) - 1], _random());
        }

        return HonourRetryAfter(own, retryAfter, maxRetryAfter);
    }

    /// <summary>
    /// Doubling without a counter: the wait is as long as the failures have lasted (<paramref name="failingFor"/>),
    /// within <see cref="First"/> and <see cref="Max"/>, then spread by the jitter and lengthened by a <c>Retry-After</c>.
    /// </summary>
    public TimeSpan AfterFailingFor(TimeSpan failingFor, TimeSpan? retryAfter = null, TimeSpan maxRetryAfter = default)
    {
        var wait = failingFor < First ? First : failingFor > _max ? _max : failingFor;
        return HonourRetryAfter(_jitter.Apply(wait, _random()), retryAfter, maxRetryAfter);
    }

    /// <summary>
    /// The one <c>Retry-After</c> rule: the endpoint's <paramref name="asked"/> wait is honoured up to
    /// <paramref name="max"/> and never shortens our own.
    /// </summary>
    public static TimeSpan HonourRetryAfter(TimeSpan own, TimeSpan? asked, TimeSpan max)
    {
        if (asked is not { } wait)
        {
            return own;
        }

        var honoured = wait < max ? wait : max;
        return honoured > own ? honoured : own;
    }
}
