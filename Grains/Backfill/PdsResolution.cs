namespace Jetstream.Grains.Backfill;

/// <summary>
/// A DID's PDS for the job, as the repository's next row: resolved (its endpoint), skipped (tombstoned, not found),
/// failed (a document that breaks the rules, or <c>Backfill:MaxAttempts</c> lookups failed), or left to try again.
/// </summary>
internal static class PdsResolution
{
    public static async Task<BackfillRepoRow> ResolveAsync(IRepositorySource source, BackfillRepoRow row, int maxAttempts)
    {
        try
        {
            var pds = await source.ResolvePdsAsync(row.Did, CancellationToken.None);
            return row with { Host = pds.ToString() };
        }
        catch (RepositoryFetchException ex) when (ex.Problem is RepositoryProblem.Unavailable or RepositoryProblem.Invalid)
        {
            return row with { State = ex.Problem == RepositoryProblem.Unavailable ? BackfillRepoRow.Skipped : BackfillRepoRow.Failed, Reason = ex.Message };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var attempts = row.Attempts + 1;
            return attempts >= maxAttempts
                ? row with { State = BackfillRepoRow.Failed, Attempts = attempts, Reason = $"the DID could not be resolved: {ex.Message}" }
                : row with { Attempts = attempts, Reason = ex.Message };
        }
    }
}
