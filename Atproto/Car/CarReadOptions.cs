namespace Jetstream.Atproto.Car;

/// <summary>Limits on a CAR file read from the network: anything over them fails instead of filling the disk or memory.</summary>
public sealed record CarReadOptions
{
    public static CarReadOptions Default { get; } = new();

    /// <summary>Largest block; atproto records are at most 1 MiB once encoded, tree nodes far less.</summary>
    public int MaxBlockBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Largest CAR file, header and every section counted.</summary>
    public long MaxTotalBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// Most bytes of blocks a CAR keeps in memory; a larger one goes to a temp file in <see cref="TempDirectory"/>
    /// (0: always a file). A backfill reads up to <c>Backfill:MaxConcurrentRepos</c> at once, so this times that is
    /// the most it holds.
    /// </summary>
    public int MemoryBytes { get; init; } = 1024 * 1024;

    /// <summary>Where the blocks of a CAR over <see cref="MemoryBytes"/> are spooled while it is in use (the file is deleted when it is disposed).</summary>
    public string TempDirectory { get; init; } = Path.GetTempPath();

    internal void Validate()
    {
        // The block index holds a block's length in 24 bits and its offset in 40 (BlockIndex).
        if (MaxBlockBytes <= 0 || MaxBlockBytes > BlockIndex.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBlockBytes), MaxBlockBytes, $"MaxBlockBytes must be from 1 to {BlockIndex.MaxLength}");
        }
        if (MemoryBytes < 0 || MemoryBytes > 64 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBytes), MemoryBytes, "MemoryBytes must be from 0 (always a file) to 64 MiB");
        }
        if (MaxTotalBytes <= 0 || MaxTotalBytes > BlockIndex.MaxOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTotalBytes), MaxTotalBytes, $"MaxTotalBytes must be from 1 to {BlockIndex.MaxOffset}");
        }
    }
}
