namespace Jetstream.Storage;

/// <summary>
/// A well-formed message of a version newer than the reader knows: not poison, it needs a newer consumer. A
/// <see cref="FormatException"/>, so a caller that only knows that one still refuses it.
/// </summary>
public sealed class UnsupportedMessageVersionException(int version, int readableVersion)
    : FormatException($"Queue message version {version} needs a newer reader: this one reads versions {QueueMessageCodec.PlainVersion} to {readableVersion}.")
{
    public int Version { get; } = version;

    public int ReadableVersion { get; } = readableVersion;
}
