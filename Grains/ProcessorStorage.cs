namespace Jetstream.Grains;

/// <summary>The grain storage provider the processor persists its cursor and counters to.</summary>
public static class ProcessorStorage
{
    public const string Name = "jetstream";
}
