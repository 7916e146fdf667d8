namespace Jetstream.Grains.Interfaces.Backfill;

/// <summary>
/// What the job asks of a repository grain: one attempt at one repository, on the PDS the job resolved; <see cref="DispatchId"/>
/// tells a renewal of the same attempt from a new one. <see cref="WantedCollections"/> is the subscription's filter as the
/// job last read it, so a repository does not read the subscription's document again (one storage request each);
/// <see cref="Generation"/> is the subscription document's, which names its repair index (null: a document older than generations).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BackfillRepoWork(
    [property: Id(0)] string SubscriptionId,
    [property: Id(1)] long RunId,
    [property: Id(2)] string Did,
    [property: Id(3)] string PdsEndpoint,
    [property: Id(4)] long DispatchId,
    [property: Id(5)] string[] WantedCollections,
    [property: Id(6)] string? Generation = null);
