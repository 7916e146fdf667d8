namespace Jetstream.Grains.Connection;

/// <summary>
/// One frame as the connection hands it on. <see cref="Json"/> is the event in the v1 shape (the bytes Jetstream sent
/// on v1, converted on v2); <see cref="Raw"/> is what the wire carried once decompressed. Both stay valid only until
/// the connection is read again.
/// </summary>
public readonly record struct WireFrame(
    WireFrameKind Kind,
    ReadOnlyMemory<byte> Json,
    ReadOnlyMemory<byte> Raw,
    long? Seq = null,
    long? TimeUs = null,
    string? Name = null,
    string? Problem = null)
{
    public static WireFrame Bad(string problem, ReadOnlyMemory<byte> raw) => new(WireFrameKind.Bad, default, raw, Problem: problem);
}
