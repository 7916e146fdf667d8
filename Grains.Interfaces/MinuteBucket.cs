using System.Collections.Immutable;

namespace Jetstream.Grains.Interfaces;

/// <summary>Commits queued during one wall-clock minute, per collection.</summary>
[GenerateSerializer, Immutable]
public sealed record MinuteBucket(
    [property: Id(0)] DateTimeOffset Minute,
    [property: Id(1)] ImmutableDictionary<string, long> Counts);
