using Jetstream.Grains.Interfaces.Retries;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Which repositories a job starts next: at most <c>maxRepos</c> in flight in all, at most <c>maxPerHost</c> per PDS
/// host, none on a parked host. A 429 parks its host until the server's time and gives back the slot, so the other
/// hosts go on; a failing host is parked for a backoff that doubles per failure in a row and resets on a success.
/// Pure bookkeeping on the job grain's scheduler (no clock of its own, no I/O), so it is tested on its own.
/// </summary>
internal sealed class BackfillScheduler(int maxRepos, int maxPerHost, TimeSpan initialRetryDelay, TimeSpan maxRetryDelay)
{
    private readonly Backoff _backoff = Backoff.Doubling(initialRetryDelay, maxRetryDelay);
    private readonly Dictionary<string, HostLine> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HostLine> _order = [];
    private int _next;

    public int InFlight { get; private set; }

    public int Queued { get; private set; }

    /// <summary>Adds a repository of <paramref name="host"/> to wait for a slot.</summary>
    public void Enqueue(string did, string host)
    {
        Line(host).Waiting.Enqueue(did);
        Queued++;
    }

    /// <summary>
    /// The repositories to start now (each taking its slots), hosts taken in turn so one big host does not starve the
    /// others.
    /// </summary>
    public List<(string Did, string Host)> Take(DateTimeOffset now)
    {
        var started = new List<(string, string)>();
        var idleRound = 0;
        while (InFlight < maxRepos && Queued > 0 && idleRound < _order.Count)
        {
            var line = _order[_next];
            _next = (_next + 1) % _order.Count;
            if (line.Waiting.Count == 0 || line.InFlight >= maxPerHost || line.ParkedUntil > now)
            {
                idleRound++;
                continue;
            }

            idleRound = 0;
            started.Add((line.Waiting.Dequeue(), line.Host));
            Queued--;
            line.InFlight++;
            InFlight++;
        }

        return started;
    }

    /// <summary>A repository of <paramref name="host"/> ended (any outcome): its slots are free.</summary>
    public void Release(string host, bool hostWorked)
    {
        var line = Line(host);
        line.InFlight = Math.Max(0, line.InFlight - 1);
        InFlight = Math.Max(0, InFlight - 1);
        if (hostWorked)
        {
            line.FailuresInARow = 0;
        }
    }

    /// <summary>429: no repository of <paramref name="host"/> starts before <paramref name="until"/>.</summary>
    public void Park(string host, DateTimeOffset until)
    {
        var line = Line(host);
        if (until > line.ParkedUntil)
        {
            line.ParkedUntil = until;
        }
    }

    /// <summary>The host failed: parked for a backoff doubling per failure in a row; returns how long.</summary>
    public TimeSpan BackOff(string host, DateTimeOffset now)
    {
        var line = Line(host);
        line.FailuresInARow++;
        var delay = _backoff.After(line.FailuresInARow);
        Park(host, now + delay);
        return delay;
    }

    /// <summary>Hosts parked at <paramref name="now"/> (a metric and the status).</summary>
    public int ParkedHosts(DateTimeOffset now) => _order.Count(l => l.ParkedUntil > now);

    /// <summary>When the next parked host with waiting repositories is free again; null if none waits on a parking.</summary>
    public DateTimeOffset? NextUnpark(DateTimeOffset now) =>
        _order.Where(l => l.Waiting.Count > 0 && l.ParkedUntil > now).Select(l => (DateTimeOffset?)l.ParkedUntil).Min();

    private HostLine Line(string host)
    {
        if (!_hosts.TryGetValue(host, out var line))
        {
            _hosts[host] = line = new HostLine(host);
            _order.Add(line);
        }

        return line;
    }

    private sealed class HostLine(string host)
    {
        public string Host { get; } = host;

        public Queue<string> Waiting { get; } = new();

        public int InFlight { get; set; }

        public DateTimeOffset ParkedUntil { get; set; }

        public int FailuresInARow { get; set; }
    }
}
