using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Schedule;

/// <summary>
/// Deals a received batch's DIDs into shards for batched delivery: each DID wholly in one shard (so its events go in
/// order, one request after another), the DIDs of a batch being retried together in one (it goes as one request), as
/// many shards as there are requests' worth of events (at most the concurrency), the largest DIDs first, each to the
/// shard with the fewest events.
/// </summary>
internal static class BatchShards
{
    /// <returns>Each shard's events in queue order (each DID's events in its own order).</returns>
    public static IReadOnlyList<IReadOnlyList<InFlightEvent>> Deal(IReadOnlyList<IReadOnlyList<InFlightEvent>> byDid, int maxEvents, int maxShards)
    {
        var groups = JoinRetriedBatches(byDid);
        var total = groups.Sum(g => g.Sum(d => d.Count));
        var count = Math.Clamp((total + maxEvents - 1) / maxEvents, 1, Math.Max(1, maxShards));
        var shards = Enumerable.Range(0, count).Select(_ => new List<IReadOnlyList<InFlightEvent>>()).ToArray();
        var sizes = new int[count];
        foreach (var group in groups.OrderByDescending(g => g.Sum(d => d.Count)))
        {
            var smallest = Array.IndexOf(sizes, sizes.Min());
            shards[smallest].AddRange(group);
            sizes[smallest] += group.Sum(d => d.Count);
        }

        return shards.Where(s => s.Count > 0).Select(InQueueOrder).ToArray();
    }

    /// <summary>The DIDs' lists merged by <c>queuedAt</c>; within one DID its own order stands (ties included).</summary>
    private static IReadOnlyList<InFlightEvent> InQueueOrder(List<IReadOnlyList<InFlightEvent>> dids) =>
        dids.SelectMany((did, d) => did.Select((e, i) => (Event: e, Did: d, Index: i)))
            .OrderBy(x => x.Event.Queued.QueuedAt)
            .ThenBy(x => x.Did)
            .ThenBy(x => x.Index)
            .Select(x => x.Event)
            .ToArray();

    /// <summary>DIDs that share a retried batch, joined (union-find over the batch ids).</summary>
    private static List<List<IReadOnlyList<InFlightEvent>>> JoinRetriedBatches(IReadOnlyList<IReadOnlyList<InFlightEvent>> byDid)
    {
        var parent = Enumerable.Range(0, byDid.Count).ToArray();
        var firstWithBatch = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var d = 0; d < byDid.Count; d++)
        {
            foreach (var inFlight in byDid[d])
            {
                if (inFlight.Queued.BatchId is not { } batchId)
                {
                    continue;
                }

                if (firstWithBatch.TryGetValue(batchId, out var other))
                {
                    parent[Find(parent, d)] = Find(parent, other);
                }
                else
                {
                    firstWithBatch[batchId] = d;
                }
            }
        }

        return Enumerable.Range(0, byDid.Count).GroupBy(d => Find(parent, d)).Select(g => g.Select(d => byDid[d]).ToList()).ToList();
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            i = parent[i] = parent[parent[i]];
        }

        return i;
    }
}
