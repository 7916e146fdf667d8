namespace Atproto.Emulator;

/// <summary>
/// One fault: which requests (<see cref="Did"/> and/or <see cref="Host"/>; both unset = every account) and what
/// happens to them. <see cref="Times"/> limits how many requests it spoils (unset = all). Properties are settable,
/// not init-only: the JSON source generator sets a missing init-only property to zero, losing its default.
/// </summary>
public sealed record FaultRule
{
    public FaultKind Kind { get; set; }

    /// <summary>The account it applies to; unset = every account (of <see cref="Host"/>, if set).</summary>
    public string? Did { get; set; }

    /// <summary>The PDS host index it applies to; unset = every host.</summary>
    public int? Host { get; set; }

    /// <summary>How many requests it spoils before it stops; unset = every one.</summary>
    public int? Times { get; set; }

    /// <summary>For <see cref="FaultKind.RateLimited"/>: the wait announced.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>For <see cref="FaultKind.RateLimited"/>: send <c>RateLimit-Reset</c> (epoch seconds) instead of <c>Retry-After</c>.</summary>
    public bool UseRateLimitReset { get; set; }

    /// <summary>For <see cref="FaultKind.SlowHost"/>.</summary>
    public int BytesPerSecond { get; set; } = 10_000;

    /// <summary>For <see cref="FaultKind.PrivatePdsEndpoint"/>: the endpoint the DID document names.</summary>
    public string Endpoint { get; set; } = "http://10.255.255.1";

    /// <summary>Whether the rule applies on the PLC (DID documents) rather than on the PDS.</summary>
    internal bool AppliesToPlc => Kind == FaultKind.PrivatePdsEndpoint;

    /// <summary>What is wrong with it, or null.</summary>
    public string? Problem()
    {
        if (!Enum.IsDefined(Kind))
        {
            return $"Kind {(int)Kind} is not a fault";
        }
        if (Did is not null && !Jetstream.Atproto.Syntax.Did.TryParse(Did, out _))
        {
            return $"Did '{Did}' is not a DID";
        }
        if (Host is < 0)
        {
            return $"Host {Host} is negative";
        }
        if (Times is < 1)
        {
            return $"Times {Times} must be at least 1 (leave it unset for every request)";
        }
        if (RetryAfterSeconds < 0 || BytesPerSecond < 1)
        {
            return "RetryAfterSeconds must be ≥ 0 and BytesPerSecond ≥ 1";
        }
        if (Kind == FaultKind.PrivatePdsEndpoint && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            return $"Endpoint '{Endpoint}' is not an absolute URL";
        }
        return null;
    }
}
