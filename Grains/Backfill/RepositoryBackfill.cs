using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// One attempt at one repository: open it on its PDS (verified), compare it with what the subscription last delivered
/// (<see cref="RepairWalk"/>), queue the differences held invisible, show them once the stream has ended well, then
/// record them in the repair index. Queue before index: a crash between the two sends again (same ids), never loses.
/// </summary>
public sealed class RepositoryBackfill(
    IRepositorySource source,
    DeliveredIndex delivered,
    EventQueueClientsFactory queues,
    IOptions<BackfillOptions> options,
    BackfillMetrics metrics,
    IGrainFactory grains,
    TimeProvider time)
{
    public async Task<BackfillRepoOutcome> RunAsync(BackfillRepoWork work, CancellationToken cancellationToken)
    {
        BackfillRepoOutcome Result(BackfillRepoResult result, string? reason, long records = 0, long bytes = 0, DateTimeOffset? retryAfter = null, string? rev = null) =>
            new(work.RunId, work.Did, result, reason, records, bytes, retryAfter, work.DispatchId, rev);

        var writer = new BackfillQueueWriter(queues.For(work.SubscriptionId), TimeSpan.FromSeconds(options.Value.HoldSeconds));
        long bytes = 0;
        try
        {
            await using var reader = await source.OpenAsync(work.Did, new Uri(work.PdsEndpoint), options.Value.Verify, cancellationToken);
            var filter = new CollectionFilter(work.WantedCollections);
            var changes = new List<RepairChange>();
            var known = await DeliveredView.OpenAsync(delivered, work.SubscriptionId, work.Did, cancellationToken);
            var diff = RepairWalk.DiffAsync(
                reader.ReadRecordsAsync(filter, cancellationToken),
                filter,
                collection => known.In(collection, cancellationToken),
                () => known.All(cancellationToken),
                cancellationToken);
            await foreach (var change in diff)
            {
                var timeUs = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
                await writer.AddAsync(new QueuedEvent
                {
                    EventId = EventIds.ForBackfill(work.SubscriptionId, work.Did, change.Collection, change.Rkey, change.Cid, change.IsDelete),
                    QueuedAt = time.GetUtcNow(),
                    Did = work.Did,
                    TimeUs = timeUs,
                    EventJson = BackfillEventJson.Write(work.Did, timeUs, reader.Rev, change),
                }, cancellationToken);
                // Only what the index needs is kept: the record's JSON is in the queue already.
                changes.Add(change with { Record = change.Record is null ? null : change.Record with { Json = default } });
            }

            bytes = reader.BytesRead;
            await writer.RevealAsync(cancellationToken);
            if (writer.Events > 0)
            {
                // The consumers are woken by the subscription's processor (wake-on-write); without this they would find
                // a backfill's messages only at their idle poll, seconds later, whenever the live stream is quiet.
                grains.GetGrain<IJetstreamProcessorGrain>(work.SubscriptionId).QueueWrittenElsewhere().Ignore();
            }

            await delivered.ApplyAsync(work.SubscriptionId, work.Did, changes, cancellationToken);
            foreach (var group in changes.GroupBy(c => c.Operation))
            {
                metrics.Queued(group.Key, group.LongCount());
            }

            metrics.BytesRead(bytes);
            return Result(BackfillRepoResult.Done, null, changes.Count, bytes, rev: reader.Rev);
        }
        catch (RepositoryFetchException ex)
        {
            await writer.DiscardAsync();
            if (ex.Problem == RepositoryProblem.Invalid)
            {
                metrics.VerificationFailed();
            }

            return Result(ex.Problem switch
            {
                RepositoryProblem.Unavailable => BackfillRepoResult.Skipped,
                RepositoryProblem.Invalid => BackfillRepoResult.Invalid,
                RepositoryProblem.RateLimited => BackfillRepoResult.RateLimited,
                _ => BackfillRepoResult.HostFailed,
            }, ex.Message, 0, bytes, ex.RetryAfter);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await writer.DiscardAsync();
            return Result(BackfillRepoResult.Stopped, "stopped");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or Azure.RequestFailedException or TimeoutException or OperationCanceledException)
        {
            await writer.DiscardAsync();
            return Result(BackfillRepoResult.HostFailed, $"{ex.GetType().Name}: {ex.Message}", 0, bytes);
        }
    }
}
