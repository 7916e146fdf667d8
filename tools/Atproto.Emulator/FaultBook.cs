namespace Atproto.Emulator;

/// <summary>The faults in force; each request takes the first that matches it and uses up one of its <see cref="FaultRule.Times"/>.</summary>
public sealed class FaultBook
{
    private readonly Lock _gate = new();
    private readonly List<(FaultRule Rule, int Left)> _rules = [];

    public FaultBook(IEnumerable<FaultRule> initial)
    {
        foreach (var rule in initial)
        {
            Add(rule);
        }
    }

    /// <exception cref="ArgumentException">The rule is malformed; the message says why.</exception>
    public void Add(FaultRule rule)
    {
        if (rule.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(rule));
        }
        lock (_gate)
        {
            _rules.Add((rule, rule.Times ?? int.MaxValue));
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>The rules and how many requests each may still spoil.</summary>
    public IReadOnlyList<(FaultRule Rule, int Left)> Rules
    {
        get
        {
            lock (_gate)
            {
                return [.. _rules];
            }
        }
    }

    /// <summary>The PDS faults for one request (every kind at most once), each used up by one.</summary>
    internal FaultSet TakeForPds(string did, int host) => Take(did, host, plc: false);

    /// <summary>The PLC fault (a DID document's endpoint) for a DID, if any; does not use it up.</summary>
    internal FaultRule? PeekForPlc(string did, int host)
    {
        lock (_gate)
        {
            return _rules.FirstOrDefault(r => r.Left > 0 && r.Rule.AppliesToPlc && Matches(r.Rule, did, host)).Rule;
        }
    }

    private FaultSet Take(string did, int host, bool plc)
    {
        var taken = new Dictionary<FaultKind, FaultRule>();
        lock (_gate)
        {
            for (var i = 0; i < _rules.Count; i++)
            {
                var (rule, left) = _rules[i];
                if (left > 0 && rule.AppliesToPlc == plc && Matches(rule, did, host) && taken.TryAdd(rule.Kind, rule))
                {
                    _rules[i] = (rule, left == int.MaxValue ? left : left - 1);
                }
            }
        }
        return new FaultSet(taken);
    }

    private static bool Matches(FaultRule rule, string did, int host) =>
        (rule.Did is null || rule.Did == did) && (rule.Host is null || rule.Host == host);
}
