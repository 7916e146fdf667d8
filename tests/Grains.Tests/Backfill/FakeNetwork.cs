using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// An in-memory AT Protocol network behind the backfill's <see cref="IRepositorySource"/> port: repositories on
/// hosts, each with records and a fault (a takedown, a check failing late in the stream, 429s, a failing host, a slow
/// stream). A fake because the real parts (the <c>Atproto</c> library and the reference PDS) are on other branches
/// still; the grains, Azurite, the queue and the tables around it are real.
/// </summary>
internal sealed class FakeNetwork : IRepositorySource
{
    private readonly ConcurrentDictionary<string, FakeRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _opens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _openPerHost = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _listings = new(StringComparer.Ordinal);
    private int _maxOpenPerHost;

    public int MaxOpenPerHost => Volatile.Read(ref _maxOpenPerHost);

    public TimeSpan RecordDelay { get; set; }

    /// <summary>Awaited as the relay's list of a collection starts (after it is counted: <see cref="ListingsOf"/>).</summary>
    public Func<string, Task>? BeforeListing { get; set; }

    public int ListingsOf(string collection) => _listings.GetValueOrDefault(collection);

    public FakeRepo Add(string did, string host, int records, string collection = "app.test.item", FakeFault fault = FakeFault.None)
    {
        var repo = new FakeRepo(did, new Uri($"https://{host}/"), fault);
        for (var i = 0; i < records; i++)
        {
            repo.Put(collection, $"3k{i:D11}", $"text {i}");
        }

        _repos[did] = repo;
        return repo;
    }

    public FakeRepo this[string did] => _repos[did];

    public int OpensOf(string did) => _opens.GetValueOrDefault(did);

    public async IAsyncEnumerable<string> ListReposByCollectionAsync(string collection, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _listings.AddOrUpdate(collection, 1, (_, n) => n + 1);
        if (BeforeListing is { } before)
        {
            await before(collection);
        }

        foreach (var repo in _repos.Values.Where(r => r.Records.Keys.Any(k => k.StartsWith(collection + "/", StringComparison.Ordinal))).OrderBy(r => r.Did))
        {
            await Task.Yield();
            yield return repo.Did;
            // The relay's lists are supersets with repeats; the job must not start a repository twice.
            yield return repo.Did;
        }
    }

    public Task<Uri> ResolvePdsAsync(string did, CancellationToken cancellationToken) =>
        _repos.TryGetValue(did, out var repo)
            ? Task.FromResult(repo.Pds)
            : throw new RepositoryFetchException(RepositoryProblem.Unavailable, "DID not found in the PLC directory");

    public Task<IRepositoryReader> OpenAsync(string did, Uri pds, bool verify, CancellationToken cancellationToken)
    {
        var repo = _repos[did];
        var opens = _opens.AddOrUpdate(did, 1, (_, n) => n + 1);
        switch (repo.Fault)
        {
            case FakeFault.Takendown:
                throw new RepositoryFetchException(RepositoryProblem.Unavailable, "RepoTakendown: Repo has been takendown");
            case FakeFault.RateLimitedOnce when opens == 1:
                throw new RepositoryFetchException(RepositoryProblem.RateLimited, "429 Too Many Requests", DateTimeOffset.UtcNow.AddSeconds(1));
            case FakeFault.HostDown:
                throw new RepositoryFetchException(RepositoryProblem.HostFailed, "HTTP 502 from the PDS");
        }

        var open = _openPerHost.AddOrUpdate(pds.Authority, 1, (_, n) => n + 1);
        InterlockedMax(ref _maxOpenPerHost, open);
        return Task.FromResult<IRepositoryReader>(new Reader(this, repo, pds.Authority, verify));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed class Reader(FakeNetwork network, FakeRepo repo, string host, bool verify) : IRepositoryReader
    {
        private readonly KeyValuePair<string, (string Cid, string Json)>[] _snapshot = repo.Records.ToArray();

        public string Rev { get; } = repo.Rev;

        public long BytesRead { get; private set; }

        public async IAsyncEnumerable<RepositoryRecord> ReadRecordsAsync(CollectionFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var i = 0;
            foreach (var (key, (cid, json)) in _snapshot)
            {
                if (network.RecordDelay > TimeSpan.Zero)
                {
                    await Task.Delay(network.RecordDelay, cancellationToken);
                }

                if (repo.Fault == FakeFault.TamperedLate && verify && ++i > _snapshot.Length / 2)
                {
                    throw new RepositoryFetchException(RepositoryProblem.Invalid, $"block of {key} does not hash to its CID");
                }

                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var collection = key[..slash];
                BytesRead += json.Length + 40;
                if (filter.Matches(collection))
                {
                    yield return new RepositoryRecord(collection, key[(slash + 1)..], cid, Encoding.UTF8.GetBytes(json));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            network._openPerHost.AddOrUpdate(host, 0, (_, n) => n - 1);
            if (repo.EndGate is { } gate)
            {
                // Disposed after the repository's records were shown and indexed, before its grain reports.
                repo.Ended.TrySetResult();
                await gate.Task;
            }
        }
    }
}

internal enum FakeFault
{
    None,
    Takendown,
    TamperedLate,
    RateLimitedOnce,
    HostDown,
}

internal sealed class FakeRepo(string did, Uri pds, FakeFault fault)
{
    private int _revs;

    public string Did { get; } = did;

    public Uri Pds { get; } = pds;

    public FakeFault Fault { get; set; } = fault;

    /// <summary>Set: an attempt that finished waits for it before its grain reports (a cancel can come in that instant).</summary>
    public TaskCompletionSource? EndGate { get; set; }

    /// <summary>Set when an attempt reaches <see cref="EndGate"/>.</summary>
    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Key <c>collection/rkey</c> in the tree's order (ordinal), value (CID, record JSON).</summary>
    public SortedDictionary<string, (string Cid, string Json)> Records { get; } = new(StringComparer.Ordinal);

    public string Rev => "3lrev" + _revs.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);

    public void Put(string collection, string rkey, string text)
    {
        _revs++;
        var json = $"{{\"$type\":\"{collection}\",\"text\":\"{text}\"}}";
        // A real CID (of the JSON's bytes, not of DAG-CBOR: only its form matters here), as the repair index stores CIDs as bytes.
        Records[collection + "/" + rkey] = (Cid.Compute(Cid.DagCborCodec, Encoding.UTF8.GetBytes(json)).ToString(), json);
    }

    public void Remove(string collection, string rkey)
    {
        _revs++;
        Records.Remove(collection + "/" + rkey);
    }
}
