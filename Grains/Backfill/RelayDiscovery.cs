using System.Runtime.CompilerServices;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// The relay's lists of repositories for each collection, read to their ends and handed on in batches of DIDs not
/// seen before (the lists overlap, and a restarted discovery reads again what the run has already).
/// </summary>
internal static class RelayDiscovery
{
    /// <summary>A hold call at the processor (<see cref="LiveHandOver"/>'s call size) and ten transactions of pending rows.</summary>
    public const int BatchSize = 1000;

    public static async IAsyncEnumerable<List<string>> NewDidsAsync(
        IRepositorySource source, IEnumerable<string> collections, Func<string, bool> known, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var collection in collections)
        {
            var batch = new List<string>();
            await foreach (var did in source.ListReposByCollectionAsync(collection, cancellationToken))
            {
                if (!known(did) && seen.Add(did))
                {
                    batch.Add(did);
                }

                if (batch.Count >= BatchSize)
                {
                    yield return batch;
                    batch = [];
                }
            }

            if (batch.Count > 0)
            {
                yield return batch;
            }
        }
    }
}
