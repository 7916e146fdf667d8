using Jetstream.Storage;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Interfaces.Events;
using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>
/// One attempt at one repository: open it on its PDS (verified), compare it with what the subscription last delivered
/// (<see cref="RepairWalk"/> over the index's one streamed GET), queue the differences held invisible while the next
/// index is staged, show them once the stream has ended well, then commit the index. Queue before index: a crash
/// between the two sends again (same ids), never loses. Nothing per record is kept in memory.
/// </summary>
public sealed class RepositoryBackfill(
    IRepositorySource source,
    DeliveredIndex delivered,
    EventQueueClientsFactory queues,
    IOptions<BackfillOptions> options,
    BackfillMetrics metrics,
    IGrainFactory grains,
    GatheredSends sends,
    TimeProvider time)
{
    public async Task<BackfillRepoOutcome> RunAsync(BackfillRepoWork work, CancellationToken cancellationToken)
    {
        BackfillRepoOutcome Result(BackfillRepoResult result, string? reason, long records = 0, long bytes = 0, DateTimeOffset? retryAfter = null, string? rev = null) =>
            new(work.RunId, work.Did, result, reason, records, bytes, retryAfter, work.DispatchId, rev);

        var writer = NewWriter(work);
        long bytes = 0;
        try
        {
            // A subscription's first run has no index to read (one GET saved per repository), unless an earlier
            // attempt of this run committed one: then the commit finds it there and the repository is walked again.
            var readIndex = work.RunId > 1;
            var counts = new RepairCounts();
            for (var pass = 1; ; pass++)
            {
                var walked = await WalkAsync(work, writer, readIndex, counts, cancellationToken);
                bytes += walked.Bytes;
                if (walked.Committed)
                {
                    counts.Report(metrics);
                    metrics.BytesRead(bytes);
                    return Result(BackfillRepoResult.Done, null, counts.Total, bytes, rev: walked.Rev);
                }

                if (pass == MaxPasses)
                {
                    return Result(BackfillRepoResult.HostFailed, $"the repair index of {work.Did} changed under {MaxPasses} walks (other attempts at it are running)", counts.Total, bytes);
                }

                readIndex = true;
                writer = NewWriter(work);
            }
        }
        catch (DeliveredIndexException ex)
        {
            await writer.DiscardAsync();
            return Result(BackfillRepoResult.Invalid, ex.Message, 0, bytes);
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

    private const int MaxPasses = 3;

    private BackfillQueueWriter NewWriter(BackfillRepoWork work) => new(queues.For(work.SubscriptionId), TimeSpan.FromSeconds(options.Value.HoldSeconds), sends);

    /// <summary>
    /// One walk of the repository against its index: the differences queued held and then shown, the next index
    /// staged as it goes and committed after the reveal, if anything changed.
    /// </summary>
    private async Task<Walked> WalkAsync(BackfillRepoWork work, BackfillQueueWriter writer, bool readIndex, RepairCounts counts, CancellationToken cancellationToken)
    {
        await using var reader = await source.OpenAsync(work.Did, new Uri(work.PdsEndpoint), options.Value.Verify, cancellationToken);
        var filter = new CollectionFilter(work.WantedCollections);
        await using var known = readIndex ? await delivered.OpenAsync(work.SubscriptionId, work.Generation, work.Did, cancellationToken) : DeliveredView.Nothing;
        using var next = delivered.StartWrite(work.SubscriptionId, work.Generation, work.Did, known);
        var changed = 0L;
        await foreach (var step in RepairWalk.DiffAsync(reader.ReadRecordsAsync(filter, cancellationToken), filter, known.Records(cancellationToken), cancellationToken))
        {
            if (step.Change is { } change)
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
                counts.Add(change.Operation);
                changed++;
            }

            if (step.Kept is { } kept)
            {
                await next.AddAsync(kept, cancellationToken);
            }
        }

        await writer.RevealAsync(cancellationToken);
        if (writer.Events > 0)
        {
            // The consumers are woken by the subscription's processor (wake-on-write); without this they would find
            // a backfill's messages only at their idle poll, seconds later, whenever the live stream is quiet.
            grains.GetGrain<IJetstreamProcessorGrain>(work.SubscriptionId).QueueWrittenElsewhere().Ignore();
        }

        // Nothing changed against an index read: it stays as it is, no write. Once shown, the repository is done even
        // if stopped (the job hands it over with its rev), so its index is committed regardless.
        var committed = (changed == 0 && readIndex) || await next.CommitAsync(CancellationToken.None);
        return new Walked(reader.Rev, reader.BytesRead, committed);
    }

    private sealed record Walked(string Rev, long Bytes, bool Committed);
}
