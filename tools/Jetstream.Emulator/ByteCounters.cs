namespace Jetstream.Emulator;

/// <summary>Frames and bytes one connection has handed to its socket, read by the control API while it sends.</summary>
internal sealed class ByteCounters
{
    private long _frames;
    private long _bytes;
    private long _uncompressedBytes;

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long UncompressedBytes => Interlocked.Read(ref _uncompressedBytes);

    public void Add(SentFrame frame)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, frame.Payload.Length);
        Interlocked.Add(ref _uncompressedBytes, frame.UncompressedLength);
    }
}
