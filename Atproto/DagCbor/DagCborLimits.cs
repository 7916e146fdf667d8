namespace Jetstream.Atproto.DagCbor;

/// <summary>
/// Bounds on a DAG-CBOR value read from someone else's bytes, so that hostile input fails with an error instead of
/// exhausting the stack or memory.
/// </summary>
public sealed record DagCborLimits
{
    public static DagCborLimits Default { get; } = new();

    /// <summary>Deepest nesting of maps and arrays (the reference implementations' records are far shallower).</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Largest encoded value; atproto records are at most 1 MiB and blocks a little more.</summary>
    public int MaxBytes { get; init; } = 2 * 1024 * 1024;
}
