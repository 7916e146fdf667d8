using Jetstream.Grains.Interfaces.Retries;

namespace Jetstream.Grains.Connection;

/// <summary>
/// Which endpoint to use and how long to wait before the next attempt, from how the sessions went: the backoff grows
/// with consecutive failed attempts and resets once a session delivers an event (<see cref="Progressed"/>); after
/// <c>failoverAfter</c> failures in a row on one endpoint, the next one in the list is used. The one place a session's
/// progress is kept.
/// </summary>
public sealed class EndpointRotation(FailureStreak backoff, int failoverAfter)
{
    private string[] _endpoints = [];
    private int _index;
    private int _failures;
    private bool _madeProgress;
    private bool _opened;

    public int ConsecutiveFailures => backoff.Count;

    public string Current => _endpoints[_index % _endpoints.Length];

    /// <summary>The last session that opened delivered no new event (attempts that never opened leave this as it was).</summary>
    public bool LastSessionStalled { get; private set; }

    /// <summary>A changed list starts again at its first entry.</summary>
    public void Use(string[] endpoints)
    {
        if (!endpoints.AsSpan().SequenceEqual(_endpoints))
        {
            _endpoints = endpoints;
            _index = 0;
            _failures = 0;
        }
    }

    /// <summary>An attempt begins: it has made no progress yet.</summary>
    public void Attempting() => _madeProgress = false;

    /// <summary>The attempt's socket is open: a session.</summary>
    public void Opened() => _opened = true;

    /// <summary>The session delivered a new event: it is healthy, so the next failure backs off from the start.</summary>
    public void Progressed()
    {
        if (!_madeProgress)
        {
            _madeProgress = true;
            Healthy();
        }
    }

    /// <summary>Ended on purpose (an interrupt): no failure counted, and the next attempt is immediate.</summary>
    public void Interrupted()
    {
        Closed();
        Healthy();
    }

    /// <summary>An attempt or session failed or closed; returns the wait before the next attempt and, if it is time, the endpoint failed over to.</summary>
    public (TimeSpan Delay, string? FailedOverTo, int Failures) Ended()
    {
        Closed();
        if (!_madeProgress)
        {
            _failures++;
        }

        var delay = backoff.NextDelay();
        var failures = _failures;
        if (_failures >= failoverAfter && _endpoints.Length > 1)
        {
            _index = (_index + 1) % _endpoints.Length;
            _failures = 0;
            return (delay, Current, failures);
        }

        return (delay, null, failures);
    }

    private void Closed()
    {
        if (_opened)
        {
            LastSessionStalled = !_madeProgress;
            _opened = false;
        }
    }

    private void Healthy()
    {
        backoff.Reset();
        _failures = 0;
    }
}
