namespace Atproto.Emulator;

/// <summary>What a <see cref="FaultRule"/> does to the requests it matches.</summary>
public enum FaultKind
{
    /// <summary>429 <c>RateLimitExceeded</c> with <c>Retry-After</c> (or <c>RateLimit-Reset</c>, as the reference PDS sends).</summary>
    RateLimited,

    /// <summary>500 <c>InternalServerError</c>.</summary>
    ServerError,

    /// <summary>The host sends the CAR at <see cref="FaultRule.BytesPerSecond"/>.</summary>
    SlowHost,

    /// <summary>The CAR ends in the middle of a block.</summary>
    TruncatedCar,

    /// <summary>A record block's bytes changed after its CID was computed.</summary>
    TamperedRecord,

    /// <summary>The commit is signed by a key that is not the DID document's.</summary>
    ForeignSignature,

    /// <summary>The commit names another DID (and is signed by the account's key).</summary>
    ForeignDid,

    /// <summary>400 <c>RepoTakendown</c>.</summary>
    Takendown,

    /// <summary>400 <c>RepoDeactivated</c>.</summary>
    Deactivated,

    /// <summary>400 <c>RepoSuspended</c>.</summary>
    Suspended,

    /// <summary>400 <c>RepoNotFound</c>.</summary>
    NotFound,

    /// <summary>The DID document's <c>#atproto_pds</c> names <see cref="FaultRule.Endpoint"/> (default a private address that is not the emulator).</summary>
    PrivatePdsEndpoint,
}
