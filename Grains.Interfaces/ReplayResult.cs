namespace Jetstream.Grains.Interfaces;

/// <summary>The answer to <see cref="IJetstreamProcessorGrain.Replay"/>: accepted with the cursor it restarts at, or why not.</summary>
[GenerateSerializer]
public sealed record ReplayResult([property: Id(0)] bool Accepted, [property: Id(1)] long? CursorUs, [property: Id(2)] string? Error)
{
    public static ReplayResult Rejected(string error) => new(false, null, error);
}
