using System.Buffers;
using System.IO.Compression;
using System.Text.Json;

namespace Jetstream.Storage;

/// <summary>
/// Version 2, packed by compressed size in one pass: each event's JSON goes into one deflate stream as it is added,
/// and the message is cut when the next event could take it past the limit. What is written but still inside the
/// compressor is counted at its worst case (<see cref="WorstCase"/>); when that says full, a sync flush makes the
/// output exact and only then decides, so messages are cut within about one event of the limit without ever
/// compressing anything twice. Flushes come a dozen or so per message (each one is needed only when the worst case of
/// what is unflushed reaches the room left, which shrinks by the compression ratio every time), and cost a few bytes.
/// Compression starts only once the events' JSON at its worst case could pass the limit: until then it is kept as
/// written, so a message of few events is compressed once, by <see cref="Finish"/>, and one that is cleared unfinished
/// (a backfilled repository packed to learn whether it fits one message, then gathered with others') costs no
/// compressor at all (each takes about 300 KiB of zeroed native memory to start).
/// </summary>
internal sealed class CompressedMessagePacker : MessagePacker
{
    // What the end of the stream adds after the last event: the content's suffix, the final block's end.
    private static readonly int FinishBytes = WorstCase(CompressedMessage.ContentSuffix.Length);

    private readonly int _capacity;
    private readonly MemoryStream _compressed = new();
    private readonly ArrayBufferWriter<byte> _json = new(4096);
    private readonly ArrayBufferWriter<byte> _pending = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;
    private DeflateStream? _deflate;
    private int _unflushed;

    public CompressedMessagePacker(int maxMessageBytes, int maxEventsPerMessage)
        : base(maxMessageBytes, maxEventsPerMessage)
    {
        _capacity = CompressedMessage.CompressedCapacity(maxMessageBytes);
        _writer = new Utf8JsonWriter(_json, new JsonWriterOptions { SkipValidation = true });
    }

    public override int Version => QueueMessageCodec.CompressedVersion;

    /// <summary>
    /// The most deflate makes of <paramref name="bytes"/> input: 9 bits a byte (literals from 144 up in the fixed
    /// Huffman code that zlib-ng's fastest level always uses; other levels choose stored blocks sooner than more), plus
    /// block headers and a sync flush's empty stored block.
    /// </summary>
    public static int WorstCase(int bytes) => bytes + (bytes >> 3) + (bytes >> 8) + 64;

    public override bool FitsAlone(QueuedEvent queuedEvent) =>
        WorstCase(CompressedMessage.ContentPrefix.Length + QueuedEventJson.EstimateSize(queuedEvent, asciiOnly: false)) + FinishBytes <= _capacity;

    public override bool TryAdd(QueuedEvent queuedEvent)
    {
        if (Count > 0 && IsFull)
        {
            return false;
        }

        _json.Clear();
        if (Count > 0)
        {
            _json.Write(","u8);
        }

        _writer.Reset(_json);
        QueuedEventJson.Write(_writer, queuedEvent, asciiOnly: false);
        _writer.Flush();
        var bytes = _json.WrittenCount;
        if (_deflate is null)
        {
            if (Count == 0)
            {
                _pending.Clear();
                _pending.Write(CompressedMessage.ContentPrefix);
            }

            if (Count == 0 || WorstCase(_pending.WrittenCount + bytes) + FinishBytes <= _capacity)
            {
                // A first event always goes in (it FitsAlone); the next one compresses what is kept to decide.
                _pending.Write(_json.WrittenSpan);
                Count++;
                return true;
            }

            StartCompressing();
        }

        if (!Fits(bytes))
        {
            _deflate!.Flush();
            _unflushed = 0;
            if (!Fits(bytes))
            {
                return false;
            }
        }

        _deflate!.Write(_json.WrittenSpan);
        _unflushed += bytes;
        Count++;
        return true;
    }

    public override BinaryData Finish()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("No event was added to the message.");
        }

        StartCompressing();
        _deflate!.Write(CompressedMessage.ContentSuffix);
        _deflate.Dispose();
        _deflate = null;
        var body = CompressedMessage.Wrap(_compressed.GetBuffer().AsSpan(0, (int)_compressed.Length));
        Clear();
        return body;
    }

    public override void Clear()
    {
        _deflate?.Dispose();
        _deflate = null;
        _compressed.SetLength(0);
        _pending.Clear();
        _unflushed = 0;
        Count = 0;
    }

    /// <summary>Gives what was kept uncompressed to a new compressor (nothing when one runs already).</summary>
    private void StartCompressing()
    {
        if (_deflate is not null)
        {
            return;
        }

        _deflate = new DeflateStream(_compressed, CompressedMessage.Level, leaveOpen: true);
        _deflate.Write(_pending.WrittenSpan);
        _unflushed = _pending.WrittenCount;
        _pending.Clear();
    }

    private bool Fits(int bytes) => _compressed.Length + WorstCase(_unflushed + bytes) + FinishBytes <= _capacity;
}
