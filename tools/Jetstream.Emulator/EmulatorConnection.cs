namespace Jetstream.Emulator;

/// <summary>
/// One open connection as <c>GET /control/connections</c> and <see cref="JetstreamEmulator.Connections"/> show it.
/// <see cref="BytesSent"/> counts payload bytes handed to the socket (compressed, for zstd connections);
/// <see cref="UncompressedBytesSent"/> the same frames before compression.
/// </summary>
public sealed record EmulatorConnection(
    int Id,
    string Wire,
    string Url,
    string Compression,
    uint? DictionaryId,
    string? Subprotocol,
    bool Replaying,
    long EventsSent,
    long FramesSent,
    long BytesSent,
    long UncompressedBytesSent)
{
    public const string V1 = "v1";
    public const string V2 = "v2";
}
