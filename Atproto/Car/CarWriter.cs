using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Car;

/// <summary>Writes a CAR v1 to a stream: the header with its roots, then each block as given (emulators, tests).</summary>
public sealed class CarWriter
{
    private readonly Stream _stream;
    private readonly byte[] _prefix = new byte[10 + Cid.ByteLength];

    private CarWriter(Stream stream) => _stream = stream;

    public static async Task<CarWriter> StartAsync(Stream stream, IReadOnlyList<Cid> roots, CancellationToken cancellationToken = default)
    {
        var writer = new CarWriter(stream);
        var header = CarHeader.Encode(roots);
        var length = Varint.Write(writer._prefix, (ulong)header.Length);
        await stream.WriteAsync(writer._prefix.AsMemory(0, length), cancellationToken);
        await stream.WriteAsync(header, cancellationToken);
        return writer;
    }

    /// <summary>Writes one section. The bytes are not checked against the CID: tests write forged CARs on purpose.</summary>
    public async Task WriteBlockAsync(Cid cid, ReadOnlyMemory<byte> block, CancellationToken cancellationToken = default)
    {
        var length = Varint.Write(_prefix, (ulong)(Cid.ByteLength + block.Length));
        cid.WriteBytes(_prefix.AsSpan(length));
        await _stream.WriteAsync(_prefix.AsMemory(0, length + Cid.ByteLength), cancellationToken);
        await _stream.WriteAsync(block, cancellationToken);
    }
}
