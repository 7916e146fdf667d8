namespace Jetstream.Atproto.Tests.Repo;

/// <summary>
/// Tests that read the process's GC heap: they run alone, after the parallel ones, since a test allocating beside
/// them would be counted as theirs (a run on CI saw 26.0 MB "retained" instead of about 18).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement";
}
