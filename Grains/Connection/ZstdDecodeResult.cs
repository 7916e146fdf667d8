namespace Jetstream.Grains.Connection;

public enum ZstdDecodeResult
{
    Ok,

    /// <summary>Not a zstd frame at all.</summary>
    NotZstd,

    /// <summary>Compressed with a dictionary other than the one this connection asked for.</summary>
    OtherDictionary,

    /// <summary>Would decode past <c>Jetstream:MaxFrameBytes</c>: refused before decoding it in full.</summary>
    TooLarge,

    /// <summary>A zstd frame that does not decode.</summary>
    Corrupt,
}
