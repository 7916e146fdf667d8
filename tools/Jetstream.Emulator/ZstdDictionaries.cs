using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator;

/// <summary>
/// The dictionaries in <see cref="EmulatorOptions.DictionaryDirectory"/>, read once, when first needed. They are never copied
/// into the repository: by default they come from the shared folder beside it. A missing file is not a start-up
/// error (the container image has no shared folder); a request that needs it is refused and told which setting to
/// fix. A file that is present but wrong stops the emulator at start (see <see cref="EmulatorOptions"/>).
/// </summary>
internal sealed class ZstdDictionaries : IDisposable
{
    /// <summary>The real servers' levels: v1 uses the Go default (3), v2 SpeedFastest (≈1) ([V2] compress.go).</summary>
    private const int V1Level = 3;
    private const int V2Level = 1;

    private readonly Dictionary<uint, ZstdDictionary> _loaded = [];
    private readonly ConcurrentDictionary<uint, ZstdFrameCompressor> _v2 = new();
    private readonly string? _directory;

    public ZstdDictionaries(IOptions<EmulatorOptions> options)
    {
        _directory = ResolveDirectory(options.Value.DictionaryDirectory);
        foreach (var known in KnownZstdDictionary.All)
        {
            if (_directory is not null && File.Exists(Path.Combine(_directory, known.FileName))
                && ZstdDictionary.TryLoad(Path.Combine(_directory, known.FileName), known, out _) is { } dictionary)
            {
                _loaded[known.Id] = dictionary;
            }
        }

        if (_loaded.TryGetValue(KnownZstdDictionary.Legacy.Id, out var legacy))
        {
            V1 = new ZstdFrameCompressor(legacy, V1Level);
        }
    }

    /// <summary>The legacy dictionary's compressor, or null when its file is missing.</summary>
    public ZstdFrameCompressor? V1 { get; }

    public ZstdDictionary? Find(uint id) => _loaded.GetValueOrDefault(id);

    public ZstdFrameCompressor? ForV2(uint id) =>
        _loaded.TryGetValue(id, out var dictionary) ? _v2.GetOrAdd(id, _ => new ZstdFrameCompressor(dictionary, V2Level)) : null;

    /// <summary>Why dictionary <paramref name="id"/> cannot be used, naming the setting to change.</summary>
    public string Missing(uint id)
    {
        var file = KnownZstdDictionary.ById(id)?.FileName ?? $"(no known file for dictionary {id})";
        return _directory is null
            ? $"the emulator has no zstd dictionaries: set {EmulatorOptions.SectionName}:{nameof(EmulatorOptions.DictionaryDirectory)} to the folder holding {file} (no shared/jetstream folder was found beside the repository)"
            : $"the emulator has no zstd dictionary {id}: {file} is not in {EmulatorOptions.SectionName}:{nameof(EmulatorOptions.DictionaryDirectory)} '{_directory}'";
    }

    /// <summary>
    /// The configured folder, or else <c>$JETSTREAM_SHARED/jetstream</c>, or else <c>shared/jetstream</c> beside the
    /// repository that holds this build (as the tests find it), or null.
    /// </summary>
    public static string? ResolveDirectory(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.GetFullPath(configured);
        }

        if (Environment.GetEnvironmentVariable("JETSTREAM_SHARED") is { Length: > 0 } shared)
        {
            return Path.GetFullPath(Path.Combine(shared, "jetstream"));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jetstream.Orleans.sln")))
            {
                var beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "jetstream"));
                return Directory.Exists(beside) ? beside : null;
            }
        }

        return null;
    }

    public void Dispose()
    {
        V1?.Dispose();
        foreach (var compressor in _v2.Values)
        {
            compressor.Dispose();
        }
    }
}
