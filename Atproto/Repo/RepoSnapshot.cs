using System.Runtime.CompilerServices;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Mst;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Repo;

/// <summary>
/// A repository as <c>com.atproto.sync.getRepo</c> serves it (a CAR whose root is the signed commit), read from a
/// stream and spooled to a temp file, each block checked against its CID when the commit or a walk reads it. Dispose
/// it to delete that file.
/// </summary>
public sealed class RepoSnapshot : IDisposable
{
    private readonly SpooledCar _car;

    private RepoSnapshot(SpooledCar car, Cid commitCid, Commit commit)
    {
        _car = car;
        CommitCid = commitCid;
        Commit = commit;
    }

    public Did Did => Commit.Did;

    public Tid Rev => Commit.Rev;

    public Cid CommitCid { get; }

    /// <summary>The root of the record tree.</summary>
    public Cid DataRoot => Commit.Data;

    public Commit Commit { get; }

    public long CarBytes => _car.TotalBytes;

    public int BlockCount => _car.BlockCount;

    /// <summary>Blocks read back so far (the commit, and the nodes and records a walk entered).</summary>
    public long BlocksRead => _car.BlocksRead;

    /// <summary>Reads the CAR and parses its commit; a malformed, forged, truncated or oversized CAR throws <see cref="AtprotoException"/>.</summary>
    public static async Task<RepoSnapshot> ReadAsync(Stream car, CarReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var spooled = await SpooledCar.ReadAsync(car, options, cancellationToken);
        try
        {
            if (spooled.Roots.Count != 1)
            {
                throw new AtprotoException($"a repository CAR has one root (the commit), this one has {spooled.Roots.Count}");
            }
            var commitCid = spooled.Roots[0];
            return new RepoSnapshot(spooled, commitCid, Commit.Parse(spooled.GetBlock(commitCid), commitCid));
        }
        catch
        {
            spooled.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks the commit is <paramref name="expectedDid"/>'s and its signature verifies with <paramref name="key"/>
    /// (the DID document's <c>#atproto</c> key); throws <see cref="RepoVerificationException"/> with the reason.
    /// </summary>
    public void Verify(Did expectedDid, AtprotoPublicKey key)
    {
        if (Did != expectedDid)
        {
            throw new RepoVerificationException($"commit {CommitCid} is for {Did}, not {expectedDid}");
        }
        if (!key.VerifySignature(Commit.UnsignedBytes.Span, Commit.Sig.Span))
        {
            throw new RepoVerificationException($"commit {CommitCid} of {Did}: the signature does not verify with the {key.Curve} key");
        }
    }

    /// <summary>
    /// The records of the wanted collections, in key order (collection, then record key), checking the tree as it
    /// goes; subtrees that cannot hold a wanted collection are neither read nor checked. A malformed tree or a missing
    /// block throws <see cref="AtprotoException"/> part-way: a caller that must deliver all or nothing walks once to
    /// check (cheap: the blocks are local) before it delivers.
    /// </summary>
    public async IAsyncEnumerable<RepoRecord> ReadRecordsAsync(CollectionFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var count = 0;
        foreach (var record in new MstWalker(_car, filter).Walk(DataRoot))
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The walk reads a local file; yielding now and then keeps a long one from holding its thread.
            if (++count % 1024 == 0)
            {
                await Task.Yield();
            }
            yield return record;
        }
    }

    public void Dispose() => _car.Dispose();
}
