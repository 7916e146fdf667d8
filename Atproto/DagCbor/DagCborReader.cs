using System.Formats.Cbor;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.DagCbor;

/// <summary>
/// A <see cref="CborReader"/> in canonical mode (shortest integers and lengths, definite lengths, map keys sorted
/// length-first and unique: what DAG-CBOR requires) plus the rules atproto adds: string map keys, no floats, no tag
/// but 42 (a CID link), lengths no larger than the bytes left. Every failure becomes an <see cref="AtprotoException"/>
/// naming what was read.
/// </summary>
internal sealed class DagCborReader
{
    private const int CidTag = 42;
    private readonly CborReader _reader;
    private readonly string _what;

    private DagCborReader(ReadOnlyMemory<byte> data, string what)
    {
        _reader = new CborReader(data, CborConformanceMode.Canonical);
        _what = what;
    }

    /// <summary>Reads one whole value with <paramref name="read"/>; trailing bytes and every decoding failure throw.</summary>
    public static T Read<T>(ReadOnlyMemory<byte> data, string what, DagCborLimits limits, Func<DagCborReader, T> read)
    {
        if (data.Length > limits.MaxBytes)
        {
            throw new AtprotoException($"{what}: {data.Length} bytes is over the limit of {limits.MaxBytes}");
        }
        var reader = new DagCborReader(data, what);
        try
        {
            var value = read(reader);
            if (reader._reader.BytesRemaining != 0)
            {
                reader.Fail($"{reader._reader.BytesRemaining} bytes after the value");
            }
            return value;
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new AtprotoException($"{what}: not valid DAG-CBOR ({e.Message})", e);
        }
    }

    public CborReaderState Peek()
    {
        var state = _reader.PeekState();
        switch (state)
        {
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                throw Fail("floats are not allowed in atproto data");
            case CborReaderState.Tag when _reader.PeekTag() != (CborTag)CidTag:
                throw Fail($"tag {(ulong)_reader.PeekTag()} is not allowed (only 42, a CID link)");
            case CborReaderState.SimpleValue:
                throw Fail("simple values other than true, false and null are not allowed");
            case CborReaderState.StartIndefiniteLengthByteString or CborReaderState.StartIndefiniteLengthTextString:
                throw Fail("indefinite-length strings are not allowed");
            default:
                return state;
        }
    }

    public int ReadStartMap() => CheckCount(_reader.ReadStartMap(), "map", 2);

    public void ReadEndMap() => _reader.ReadEndMap();

    public int ReadStartArray() => CheckCount(_reader.ReadStartArray(), "array", 1);

    public void ReadEndArray() => _reader.ReadEndArray();

    /// <summary>A map key, as its UTF-8 bytes (no string made).</summary>
    public ReadOnlyMemory<byte> ReadKey()
    {
        if (_reader.PeekState() != CborReaderState.TextString)
        {
            throw Fail("map keys must be strings");
        }
        return _reader.ReadDefiniteLengthTextStringBytes();
    }

    public string ReadText() => _reader.ReadTextString();

    public ReadOnlyMemory<byte> ReadTextUtf8() => _reader.ReadDefiniteLengthTextStringBytes();

    public byte[] ReadBytes() => _reader.ReadByteString();

    public long ReadInt64()
    {
        if (Peek() is not (CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger))
        {
            throw Fail($"expected an integer, found {_reader.PeekState()}");
        }
        return _reader.ReadInt64();
    }

    public bool ReadBoolean() => _reader.ReadBoolean();

    public void ReadNull() => _reader.ReadNull();

    public bool TryReadNull()
    {
        if (_reader.PeekState() != CborReaderState.Null)
        {
            return false;
        }
        _reader.ReadNull();
        return true;
    }

    /// <summary>A CID link: tag 42 over a byte string holding 0x00 (the identity multibase) and the binary CID.</summary>
    public Cid ReadCid()
    {
        if (_reader.PeekState() != CborReaderState.Tag || _reader.ReadTag() != (CborTag)CidTag)
        {
            throw Fail($"expected a CID link (tag 42), found {_reader.PeekState()}");
        }
        var bytes = _reader.ReadDefiniteLengthByteString().Span;
        if (bytes.Length == 0 || bytes[0] != 0)
        {
            throw Fail("a CID link must start with the 0x00 multibase prefix");
        }
        try
        {
            return Cid.FromBytes(bytes[1..]);
        }
        catch (AtprotoException e)
        {
            throw Fail(e.Message);
        }
    }

    public Cid? ReadNullableCid() => TryReadNull() ? null : ReadCid();

    /// <summary>The next value's bytes exactly as encoded (not re-encoded), after checking it is canonical.</summary>
    public ReadOnlyMemory<byte> ReadEncodedValue() => _reader.ReadEncodedValue();

    public AtprotoException Fail(string reason) => throw new AtprotoException($"{_what}: {reason}");

    // Each item takes at least one byte (a map entry two), so a count beyond the bytes left is a lie that, trusted,
    // would size a buffer from an attacker's number.
    private int CheckCount(int? count, string kind, int bytesPerItem)
    {
        if (count is not { } n)
        {
            throw Fail($"indefinite-length {kind}s are not allowed");
        }
        if ((long)n * bytesPerItem > _reader.BytesRemaining)
        {
            throw Fail($"{kind} declares {n} items but only {_reader.BytesRemaining} bytes remain");
        }
        return n;
    }
}
