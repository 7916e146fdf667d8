using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// A built repository's CAR in two parts: <see cref="Head"/> (the CAR header and the commit block, which can only be
/// written once the tree is done) and the body (records and tree nodes), in memory or in a file.
/// </summary>
internal sealed class RepoImage : IDisposable
{
    private readonly byte[]? _body;
    private readonly string? _bodyPath;
    private readonly bool _deleteOnDispose;

    public RepoImage(byte[] head, Cid commitCid, Tid rev, byte[]? body, string? bodyPath, long bodyLength, long firstRecordOffset, bool deleteOnDispose)
    {
        Head = head;
        CommitCid = commitCid;
        Rev = rev;
        _body = body;
        _bodyPath = bodyPath;
        BodyLength = bodyLength;
        FirstRecordOffset = firstRecordOffset;
        _deleteOnDispose = deleteOnDispose;
    }

    public byte[] Head { get; }

    public Cid CommitCid { get; }

    public Tid Rev { get; }

    public long BodyLength { get; }

    public long Length => Head.Length + BodyLength;

    /// <summary>Where the first record's section starts in the body (-1 if none), for a truncation inside a block.</summary>
    public long FirstRecordOffset { get; }

    public Stream OpenBody() => _body is not null
        ? new MemoryStream(_body, writable: false)
        : new FileStream(_bodyPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Dispose()
    {
        if (_deleteOnDispose && _bodyPath is not null)
        {
            File.Delete(_bodyPath);
        }
    }
}
