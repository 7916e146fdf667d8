using Jetstream.Grains.Interfaces.Backfill;

namespace Jetstream.Api.Backfill;

/// <summary>A backfill's progress, the body of <c>GET /subscriptions/{id}/backfill</c> (issue 18's shape, member for member).</summary>
public sealed record BackfillResponse(
    string State,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    BackfillReposResponse Repos,
    long Records,
    double RecordsPerSecond,
    IReadOnlyList<BackfillProblemResponse> Problems)
{
    public static BackfillResponse From(BackfillStatus status) => new(
        status.State switch
        {
            BackfillState.Running => "running",
            BackfillState.Completed => "completed",
            _ => "cancelled",
        },
        status.StartedAt,
        status.CompletedAt,
        new BackfillReposResponse(status.Repos.Total, status.Repos.Pending, status.Repos.Done, status.Repos.Skipped, status.Repos.Failed),
        status.Records,
        Math.Round(status.RecordsPerSecond, 1),
        status.Problems.Select(p => new BackfillProblemResponse(p.Did, p.State, p.Reason)).ToArray());
}

public sealed record BackfillReposResponse(int Total, int Pending, int Done, int Skipped, int Failed);

public sealed record BackfillProblemResponse(string Did, string State, string Reason);
