using System.Text;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Mst;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Repo;

/// <summary>
/// Writes a repository as a PDS does: records into a Merkle Search Tree, a v3 commit signed with the account's key,
/// all as a CAR whose root is the commit. For emulators and tests (and tampering: the blocks can be changed before
/// they are written).
/// <code>
/// var repo = new RepoBuilder(did, key).Add(Nsid.Parse("app.bsky.feed.post"), RecordKey.Parse(tid), cbor).Build(Tid.Next(time));
/// await repo.WriteCarAsync(stream);
/// </code>
/// </summary>
public sealed class RepoBuilder(Did did, AtprotoPrivateKey key)
{
    private readonly SortedDictionary<string, ReadOnlyMemory<byte>> _records = new(StringComparer.Ordinal);

    /// <summary>Adds (or replaces) a record given as DAG-CBOR, which is checked.</summary>
    public RepoBuilder Add(Nsid collection, RecordKey recordKey, ReadOnlyMemory<byte> record)
    {
        DagCborJson.Validate(record, what: $"record {collection}/{recordKey}");
        _records[$"{collection}/{recordKey}"] = record;
        return this;
    }

    /// <summary>Adds a record given as atproto JSON.</summary>
    public RepoBuilder AddJson(string collection, string recordKey, string json) =>
        Add(Nsid.Parse(collection), RecordKey.Parse(recordKey), DagCborJson.FromJson(json));

    public int Count => _records.Count;

    /// <summary>Builds the tree and signs the commit at revision <paramref name="rev"/>.</summary>
    public BuiltRepo Build(Tid rev)
    {
        var blocks = new List<(Cid Cid, byte[] Block)>(_records.Count * 2);
        var entries = new List<(byte[] Key, Cid Value)>(_records.Count);
        var recordBlocks = new List<(Cid, ReadOnlyMemory<byte>)>(_records.Count);
        foreach (var (path, record) in _records)
        {
            var cid = Cid.Compute(Cid.DagCborCodec, record.Span);
            entries.Add((Encoding.ASCII.GetBytes(path), cid));
            recordBlocks.Add((cid, record));
        }
        var data = MstBuilder.Build(entries, blocks);
        var (commit, commitBlock) = Commit.Sign(did, data, rev, key);
        var commitCid = Cid.Compute(Cid.DagCborCodec, commitBlock);
        var all = new List<(Cid, ReadOnlyMemory<byte>)>(blocks.Count + recordBlocks.Count + 1) { (commitCid, commitBlock) };
        all.AddRange(blocks.Select(b => (b.Cid, (ReadOnlyMemory<byte>)b.Block)));
        all.AddRange(recordBlocks);
        return new BuiltRepo(commitCid, commit, all);
    }
}
