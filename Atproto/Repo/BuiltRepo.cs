using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Repo;

/// <summary>A repository <see cref="RepoBuilder"/> made: its commit and every block (commit, tree nodes, records).</summary>
public sealed record BuiltRepo(Cid CommitCid, Commit Commit, IReadOnlyList<(Cid Cid, ReadOnlyMemory<byte> Block)> Blocks)
{
    /// <summary>Writes the CAR, the commit as its root, the blocks in the order of <see cref="Blocks"/>.</summary>
    public async Task WriteCarAsync(Stream output, CancellationToken cancellationToken = default)
    {
        var writer = await CarWriter.StartAsync(output, [CommitCid], cancellationToken);
        foreach (var (cid, block) in Blocks)
        {
            await writer.WriteBlockAsync(cid, block, cancellationToken);
        }
    }

    /// <summary>The CAR as bytes (small repositories, tests).</summary>
    public async Task<byte[]> ToCarBytesAsync(CancellationToken cancellationToken = default)
    {
        using var stream = new MemoryStream();
        await WriteCarAsync(stream, cancellationToken);
        return stream.ToArray();
    }
}
