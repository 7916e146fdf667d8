namespace Jetstream.Grains.Connection;

/// <summary>The compression a connection asks for: none, or zstd with the dictionary of this id.</summary>
public readonly record struct WireCompression(uint? DictionaryId)
{
    public static readonly WireCompression None = new(null);

    public bool IsZstd => DictionaryId is not null;

    public override string ToString() => DictionaryId is { } id ? $"zstd (dictionary {id})" : "none";
}
