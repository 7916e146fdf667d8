using System.Text;

namespace Jetstream.Emulator;

/// <summary>
/// One published event as the emulator keeps it for cursor replay. <see cref="Json"/> is exactly what subscribers
/// receive (the published JSON with <c>time_us</c> stamped in); <see cref="Collection"/> is set for commits only.
/// </summary>
public sealed class LoggedEvent
{
    internal LoggedEvent(long timeUs, string did, string kind, string? collection, byte[] utf8)
    {
        TimeUs = timeUs;
        Did = did;
        Kind = kind;
        Collection = collection;
        Utf8 = utf8;
    }

    public long TimeUs { get; }

    public string Did { get; }

    public string Kind { get; }

    public string? Collection { get; }

    /// <summary>Decoded on demand: the UTF-8 bytes are what the emulator stores and sends.</summary>
    public string Json => Encoding.UTF8.GetString(Utf8);

    public ReadOnlyMemory<byte> Utf8Json => Utf8;

    internal byte[] Utf8 { get; }

    public override string ToString() => Json;
}
