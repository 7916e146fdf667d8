using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// Builds an account's repository as a PDS would serve it: records streamed from the <see cref="RecordGenerator"/>
/// into the tree, each block written as it is made (to memory, or to a file for a large repository), then the
/// commit signed. The faults that change content are made here: a record block altered after its CID was taken, a
/// commit signed by another key or naming another DID.
/// </summary>
internal sealed class RepoImageBuilder(RecordGenerator generator, AccountDirectory accounts)
{
    public async Task<RepoImage> BuildAsync(EmulatedAccount account, FaultSet faults, string? bodyPath, CancellationToken cancellationToken)
    {
        KeyValuePair<string, byte[]?>[] changes;
        Tid rev;
        lock (account.Gate)
        {
            changes = [.. account.Changes];
            rev = account.Rev;
        }
        var body = bodyPath is null
            ? new MemoryStream()
            : (Stream)new FileStream(bodyPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        long firstRecordOffset = -1;
        Cid dataRoot;
        try
        {
            var sections = new SectionWriter(body);
            var tree = new StreamingMstBuilder(sections.Write);
            var tamper = faults.Has(FaultKind.TamperedRecord);
            foreach (var (path, record) in generator.Records(account, changes))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var cid = Cid.Compute(Cid.DagCborCodec, record);
                if (firstRecordOffset < 0)
                {
                    firstRecordOffset = body.Position;
                    if (tamper)
                    {
                        var altered = (byte[])record.Clone();
                        altered[^1] ^= 0x01;
                        sections.Write(cid, altered);
                        tree.Add(path, cid);
                        continue;
                    }
                }
                sections.Write(cid, record);
                tree.Add(path, cid);
            }
            dataRoot = tree.Finish();
            await body.FlushAsync(cancellationToken);
        }
        finally
        {
            await body.DisposeAsync();
        }
        var signer = faults.Has(FaultKind.ForeignSignature) ? accounts.ForeignKey(account) : account.Key;
        var did = faults.Has(FaultKind.ForeignDid) ? accounts.ForeignDid(account) : account.Did;
        var (_, commitBlock) = Commit.Sign(did, dataRoot, rev, signer);
        var commitCid = Cid.Compute(Cid.DagCborCodec, commitBlock);
        using var head = new MemoryStream();
        var car = await CarWriter.StartAsync(head, [commitCid], cancellationToken);
        await car.WriteBlockAsync(commitCid, commitBlock, cancellationToken);
        return bodyPath is null
            ? Image(head.ToArray(), commitCid, rev, ((MemoryStream)body).ToArray(), null, firstRecordOffset)
            : Image(head.ToArray(), commitCid, rev, null, bodyPath, firstRecordOffset);
    }

    private static RepoImage Image(byte[] head, Cid commitCid, Tid rev, byte[]? body, string? path, long firstRecordOffset) =>
        new(head, commitCid, rev, body, path, body?.LongLength ?? new FileInfo(path!).Length, firstRecordOffset, deleteOnDispose: path is not null);

    /// <summary>CAR sections (varint length, CID, bytes) without a header: the header needs the commit, which comes last.</summary>
    private sealed class SectionWriter(Stream stream)
    {
        private readonly byte[] _prefix = new byte[10 + Cid.ByteLength];

        public void Write(Cid cid, byte[] block)
        {
            var value = (ulong)(Cid.ByteLength + block.Length);
            var length = 0;
            while (value >= 0x80)
            {
                _prefix[length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _prefix[length++] = (byte)value;
            cid.WriteBytes(_prefix.AsSpan(length));
            stream.Write(_prefix, 0, length + Cid.ByteLength);
            stream.Write(block);
        }
    }
}
