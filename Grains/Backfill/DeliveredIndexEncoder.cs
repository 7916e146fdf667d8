using System.Buffers;
using System.Text;
using Jetstream.Atproto.Cids;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Writes the repair index of one repository in its binary form (version 1), entry by entry in the repository's key
/// order (<see cref="RepoKeyOrder"/>), into a buffer the caller empties block by block:
/// <code>
/// 0x01                                                  version
/// per collection:  varint n (≥ 1), n bytes              the NSID, ASCII
///   per record:    varint s (≥ 1), varint p, s bytes    rkey: p characters shared with the previous rkey, then s new ones
///                  36 bytes                             the CID's binary form (CIDv1, codec, sha2-256, digest)
///                  0x00                                 end of the collection's records
/// 0x00                                                  end of the index (a blob without it was cut short)
/// </code>
/// A collection's name is written once and a TID rkey shares most of its characters with the one before it, so a
/// record costs about 46 bytes (docs/backfill.md measures it). Sections rather than a header list of collections: the
/// index is written as the walk goes, before all its collections are known.
/// </summary>
internal sealed class DeliveredIndexEncoder : IDisposable
{
    public const byte Version = 1;

    /// <summary>The longest NSID and record key atproto allows.</summary>
    public const int MaxCollectionLength = 317;

    public const int MaxRkeyLength = 512;

    /// <summary>The most bytes one <see cref="Add"/> writes.</summary>
    public const int MaxEntryLength = 3 + MaxCollectionLength + 1 + 3 + 3 + MaxRkeyLength + Cid.ByteLength;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);
    private int _length;
    private string? _collection;
    private string? _rkey;

    public DeliveredIndexEncoder() => _buffer[_length++] = Version;

    /// <summary>Records added so far.</summary>
    public long Records { get; private set; }

    /// <summary>Bytes of the index so far, those taken out of the buffer included.</summary>
    public long Bytes { get; private set; } = 1;

    /// <summary>What was written since the last <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<byte> Buffered => _buffer.AsMemory(0, _length);

    public void Add(DeliveredRecord record)
    {
        CheckAscii(record.Rkey, MaxRkeyLength, "rkey");
        EnsureRoom(MaxEntryLength);
        if (!string.Equals(_collection, record.Collection, StringComparison.Ordinal))
        {
            CheckAscii(record.Collection, MaxCollectionLength, "collection");
            if (_collection is not null)
            {
                if (RepoKeyOrder.CompareCollections(_collection, record.Collection) >= 0)
                {
                    throw new InvalidOperationException($"Collection '{record.Collection}' after '{_collection}': the repair index is written in the repository's key order.");
                }

                Write(0);
            }

            WriteVarint(record.Collection.Length);
            WriteAscii(record.Collection);
            _collection = record.Collection;
            _rkey = null;
        }
        else if (string.CompareOrdinal(_rkey, record.Rkey) >= 0)
        {
            throw new InvalidOperationException($"Record '{record.Collection}/{record.Rkey}' after '{_rkey}': the repair index is written in the repository's key order.");
        }

        var shared = _rkey is null ? 0 : record.Rkey.AsSpan().CommonPrefixLength(_rkey);
        WriteVarint(record.Rkey.Length - shared);
        WriteVarint(shared);
        WriteAscii(record.Rkey.AsSpan(shared));
        record.Cid.WriteBytes(_buffer.AsSpan(_length, Cid.ByteLength));
        Advance(Cid.ByteLength);
        _rkey = record.Rkey;
        Records++;
    }

    /// <summary>Ends the last collection and the index.</summary>
    public void Finish()
    {
        EnsureRoom(2);
        if (_collection is not null)
        {
            Write(0);
        }

        Write(0);
    }

    /// <summary>The buffer was staged as a block: the next bytes start a new one.</summary>
    public void Clear() => _length = 0;

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private static void CheckAscii(string value, int maxLength, string what)
    {
        if (value.Length == 0 || value.Length > maxLength || !Ascii.IsValid(value) || value.AsSpan().ContainsAnyInRange('\0', ' '))
        {
            throw new ArgumentException($"A {what} of the repair index is 1 to {maxLength} printable ASCII characters, not '{value}'.");
        }
    }

    // Small repositories keep a small buffer: it grows (pooled) only as far as one block.
    private void EnsureRoom(int bytes)
    {
        if (_buffer.Length - _length >= bytes)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + bytes));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    private void Write(byte value)
    {
        _buffer[_length] = value;
        Advance(1);
    }

    private void WriteVarint(int value)
    {
        var remaining = (uint)value;
        while (remaining >= 0x80)
        {
            Write((byte)(remaining | 0x80));
            remaining >>= 7;
        }

        Write((byte)remaining);
    }

    private void WriteAscii(ReadOnlySpan<char> value)
    {
        Ascii.FromUtf16(value, _buffer.AsSpan(_length), out var written);
        Advance(written);
    }

    private void Advance(int bytes)
    {
        _length += bytes;
        Bytes += bytes;
    }
}
