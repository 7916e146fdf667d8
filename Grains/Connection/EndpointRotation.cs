
namespace Jetstream.Grains.Connection;

/// <summary>
/// Which endpoint to use and how long to wait before the next attempt: the backoff grows with consecutive failed
/// sessions and resets once a session delivers an event; after <c>failoverAfter</c> failures in a row on one
/// endpoint, the next one in the list is used.
/// </summary>
public sealed class EndpointRotation(ReconnectBackoff backoff, int failoverAfter)
{
    private string[] _endpoints = [];
    private int _index;
    private int _failures;

    public int ConsecutiveFailures => backoff.ConsecutiveFailures;

    public string Current => _endpoints[_index % _endpoints.Length];

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

    public void Healthy()
    {
        backoff.Reset();
        _failures = 0;
    }

    /// <summary>A session ended; returns the wait before the next attempt and, if it is time, the endpoint failed over to.</summary>
    public (TimeSpan Delay, string? FailedOverTo, int Failures) Ended(bool madeProgress)
    {
        if (!madeProgress)
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
}
