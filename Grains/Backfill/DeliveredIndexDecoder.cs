using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Jetstream.Atproto;
using Jetstream.Atproto.Cids;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// Reads the repair index's binary form (<see cref="DeliveredIndexEncoder"/>) from a stream as it arrives, through a
/// 64 KiB window: a million-record index is never a million-entry list. Anything that is not exactly that form (another
/// version, cut short, out of key order, a bad CID, bytes after the end) is a <see cref="DeliveredIndexException"/>.
/// </summary>
internal sealed class DeliveredIndexDecoder(Stream stream, string where) : IDisposable
{
    private const int Window = 64 * 1024;

    // An entry, a collection's header included, fits in this; the window is refilled below it.
    private const int MaxItem = 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Window);
    private readonly byte[] _rkey = new byte[DeliveredIndexEncoder.MaxRkeyLength];
    private int _start;
    private int _end;
    private bool _ended;

    public async IAsyncEnumerable<DeliveredRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await FillAsync(cancellationToken);
        if (_end == _start)
        {
            throw Bad("it is empty");
        }

        if (_buffer[_start] != DeliveredIndexEncoder.Version)
        {
            throw Bad($"its version is {_buffer[_start]}, this silo reads {DeliveredIndexEncoder.Version}");
        }

        _start++;
        string? previous = null;
        while (true)
        {
            await FillAsync(cancellationToken);
            var collectionLength = ReadVarint();
            if (collectionLength == 0)
            {
                break;
            }

            var collection = ReadCollection(collectionLength, previous);
            previous = collection;
            var rkeyLength = 0;
            while (true)
            {
                await FillAsync(cancellationToken);
                if (ReadRecord(ref rkeyLength, collection) is not { } record)
                {
                    break;
                }

                yield return record;
            }
        }

        await FillAsync(cancellationToken);
        if (_end > _start)
        {
            throw Bad("bytes follow its end");
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private string ReadCollection(int length, string? previous)
    {
        if (length > DeliveredIndexEncoder.MaxCollectionLength)
        {
            throw Bad($"a collection name of {length} bytes");
        }

        var collection = Encoding.ASCII.GetString(Take(length));
        CheckPrintable(collection);
        if (previous is not null && RepoKeyOrder.CompareCollections(previous, collection) >= 0)
        {
            throw Bad($"collection '{collection}' follows '{previous}' (not in key order)");
        }

        return collection;
    }

    /// <summary>The next record of <paramref name="collection"/>, or null at the end of its records.</summary>
    private DeliveredRecord? ReadRecord(ref int rkeyLength, string collection)
    {
        var suffix = ReadVarint();
        if (suffix == 0)
        {
            return null;
        }

        var shared = ReadVarint();
        if (shared > rkeyLength || shared + suffix > _rkey.Length)
        {
            throw Bad($"a record of '{collection}' shares {shared} characters with a {rkeyLength}-character rkey and adds {suffix}");
        }

        var added = Take(suffix);
        // Only the first new character decides the order: the ones before it are shared.
        if (shared < rkeyLength && added[0] <= _rkey[shared])
        {
            throw Bad($"a record of '{collection}' is not after the one before it (not in key order)");
        }

        added.CopyTo(_rkey.AsSpan(shared));
        rkeyLength = shared + suffix;
        var rkey = Encoding.ASCII.GetString(_rkey, 0, rkeyLength);
        CheckPrintable(rkey);
        try
        {
            return new DeliveredRecord(collection, rkey, Cid.FromBytes(Take(Cid.ByteLength)));
        }
        catch (AtprotoException ex)
        {
            throw Bad($"the CID of '{collection}/{rkey}': {ex.Message}");
        }
    }

    private void CheckPrintable(string value)
    {
        if (value.AsSpan().ContainsAnyExceptInRange('!', '~'))
        {
            throw Bad($"'{value}' is not printable ASCII");
        }
    }

    private int ReadVarint()
    {
        var value = 0;
        for (var shift = 0; shift < 21; shift += 7)
        {
            var next = Take(1)[0];
            value |= (next & 0x7f) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw Bad("a length of more than 3 bytes");
    }

    private ReadOnlySpan<byte> Take(int bytes)
    {
        if (_end - _start < bytes)
        {
            throw Bad("it was cut short");
        }

        var taken = _buffer.AsSpan(_start, bytes);
        _start += bytes;
        return taken;
    }

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (_ended || _end - _start >= MaxItem)
        {
            return;
        }

        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        _end -= _start;
        _start = 0;
        while (_end < _buffer.Length)
        {
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                _ended = true;
                return;
            }

            _end += read;
        }
    }

    private DeliveredIndexException Bad(string problem) => new(where, problem);
}
