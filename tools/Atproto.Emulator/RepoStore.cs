using System.Collections.Concurrent;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// Where a request's CAR comes from. A small repository is built in memory for each request (a millisecond or so);
/// a large one is built once per revision into the cache folder and served from the file, so neither 10,000
/// repositories nor one of a million records is ever held in memory. A faulted build is never cached.
/// </summary>
internal sealed class RepoStore : IDisposable
{
    private readonly RepoImageBuilder _builder;
    private readonly RecordGenerator _generator;
    private readonly AtprotoEmulatorOptions _options;
    private readonly string _directory;
    private readonly bool _ownsDirectory;
    private readonly ConcurrentDictionary<string, Lazy<Task<RepoImage>>> _cached = new(StringComparer.Ordinal);

    public RepoStore(RepoImageBuilder builder, RecordGenerator generator, AtprotoEmulatorOptions options)
    {
        _builder = builder;
        _generator = generator;
        _options = options;
        _ownsDirectory = options.CacheDirectory is null;
        _directory = options.CacheDirectory ?? Path.Combine(Path.GetTempPath(), $"atproto-emulator-{Environment.ProcessId}-{Guid.NewGuid():n}");
        Directory.CreateDirectory(_directory);
    }

    /// <summary>The image to serve and whether the caller disposes it (true unless it is the cached one).</summary>
    public async Task<(RepoImage Image, bool Owned)> GetAsync(EmulatedAccount account, FaultSet faults, CancellationToken cancellationToken)
    {
        var large = _options.Prebuild || _generator.RecordsPerAccount > _options.MemoryBuildMaxRecords;
        if (faults.ChangesContent || !large)
        {
            var path = large ? Path.Combine(_directory, $"{account.Did.Value.Replace(':', '_')}-{Guid.NewGuid():n}.body") : null;
            return (await _builder.BuildAsync(account, faults, path, cancellationToken), true);
        }
        while (true)
        {
            var rev = account.Rev;
            var key = $"{account.Did.Value.Replace(':', '_')}-{rev.Value}";
            var entry = _cached.GetOrAdd(key, k => new Lazy<Task<RepoImage>>(() => BuildOrLoadAsync(account, faults, Path.Combine(_directory, k + ".body"), rev)));
            var image = await entry.Value.WaitAsync(cancellationToken);
            if (image.Rev == account.Rev)
            {
                return (image, false);
            }
            // The account changed while it was built: that image is stale for everyone.
            _cached.TryRemove(key, out _);
        }
    }

    private async Task<RepoImage> BuildOrLoadAsync(EmulatedAccount account, FaultSet faults, string bodyPath, Tid rev)
    {
        if (!_options.KeepCache)
        {
            return await _builder.BuildAsync(account, faults, bodyPath, CancellationToken.None);
        }
        return KeptImages.TryLoad(bodyPath, rev)
            ?? KeptImages.Keep(await _builder.BuildAsync(account, faults, bodyPath, CancellationToken.None), bodyPath);
    }

    public void Dispose()
    {
        foreach (var entry in _cached.Values)
        {
            if (entry.IsValueCreated && entry.Value.IsCompletedSuccessfully)
            {
                entry.Value.Result.Dispose();
            }
        }
        if (_ownsDirectory)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
