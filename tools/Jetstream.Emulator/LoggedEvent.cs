using System.Text;

namespace Jetstream.Emulator;

/// <summary>
/// One published event as the emulator keeps it for cursor replay. <see cref="Json"/> is exactly what v1 subscribers
/// receive (the published JSON with <c>time_us</c> stamped in); <see cref="Collection"/> is set for commits only;
/// <see cref="Seq"/> is the v2 cursor.
/// </summary>
public sealed class LoggedEvent
{
    internal LoggedEvent(long seq, long timeUs, string did, string kind, string? collection, byte[] utf8, int timeUsEnd)
    {
        Seq = seq;
        TimeUs = timeUs;
        Did = did;
        Kind = kind;
        Collection = collection;
        Utf8 = utf8;
        TimeUsEnd = timeUsEnd;
        Frames = new WireFrames(this);
    }

    /// <summary>The instance-local sequence number, from 1, one per published event (PROTOCOL.md §3.1).</summary>
    public long Seq { get; }

    public long TimeUs { get; }

    public string Did { get; }

    public string Kind { get; }

    public string? Collection { get; }

    /// <summary>Decoded on demand: the UTF-8 bytes are what the emulator stores and sends.</summary>
    public string Json => Encoding.UTF8.GetString(Utf8);

    public ReadOnlyMemory<byte> Utf8Json => Utf8;

    internal byte[] Utf8 { get; }

    /// <summary>Offset just past the <c>time_us</c> number in <see cref="Utf8"/>.</summary>
    internal int TimeUsEnd { get; }

    /// <summary>This event's frames on each wire, encoded (and compressed) once, on first use.</summary>
    internal WireFrames Frames { get; }

    public override string ToString() => Json;
}
