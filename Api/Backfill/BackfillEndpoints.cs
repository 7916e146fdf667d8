using Jetstream.Api.Auth;
using Jetstream.Api.Json;
using Jetstream.Api.Stats;
using Jetstream.Api.Subscriptions;
using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Api.Backfill;

/// <summary>
/// <c>/subscriptions/{id}/backfill</c>: start (202 with the status, 409 while one runs), read and cancel a subscription's
/// backfill. Admin token on every route, as every subscription route.
/// </summary>
public static class BackfillEndpoints
{
    public const string Path = "/{id}/backfill";

    public static WebApplication MapBackfillEndpoints(this WebApplication app)
    {
        var group = app.MapGroup(ApiRoutes.Subscriptions).RequireAdminToken().WithTags("Backfill");

        group.MapPost(Path, async (string id, HttpRequest request, SubscriptionService service, IGrainFactory grains, CancellationToken cancellationToken) =>
            {
                if (await service.FindAsync(id, cancellationToken) is not { Document.Lifecycle: SubscriptionLifecycle.Active } found)
                {
                    return StatsEndpoints.NotFound(id);
                }

                string[]? dids = null;
                if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                {
                    var (body, problem) = await RequestBody.ReadAsync(request, ApiJsonContext.Default.BackfillRequest);
                    if (problem is not null)
                    {
                        return problem;
                    }

                    dids = body!.Dids;
                    if (CheckDids(dids) is { } invalid)
                    {
                        return invalid;
                    }
                }

                if (dids is null or { Length: 0 } && !BackfillDiscovery.CanDiscover(found.Document))
                {
                    return RequestBody.Invalid(BackfillRules.CollectionsField, BackfillRules.NothingToDiscover);
                }

                return ToResult(id, await JobOf(grains, id).Start(dids is { Length: > 0 } ? dids.Distinct(StringComparer.Ordinal).ToArray() : null));
            })
            .WithDescription("Start a backfill of every existing record, or of {\"dids\":[…]} only; a second run repairs (admin token)")
            .Accepts<BackfillRequest>("application/json")
            .Produces<BackfillResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet(Path, async (string id, SubscriptionService service, IGrainFactory grains, CancellationToken cancellationToken) =>
                await service.FindAsync(id, cancellationToken) is null || await JobOf(grains, id).GetStatus() is not { } status
                    ? NoBackfill(id)
                    : TypedResults.Json(BackfillResponse.From(status), ApiJsonContext.Default.BackfillResponse))
            .WithDescription("A subscription's backfill: state, repositories, records, the first 1,000 problems (admin token)")
            .Produces<BackfillResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete(Path, async (string id, SubscriptionService service, IGrainFactory grains, CancellationToken cancellationToken) =>
                await service.FindAsync(id, cancellationToken) is null || await JobOf(grains, id).Cancel("cancelled through the Api") is not { } status
                    ? NoBackfill(id)
                    : TypedResults.Json(BackfillResponse.From(status), ApiJsonContext.Default.BackfillResponse))
            .WithDescription("Cancel a subscription's backfill (admin token)")
            .Produces<BackfillResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static IResult ToResult(string id, BackfillStartResult result) => result switch
    {
        { Status: { } status } => TypedResults.Json(BackfillResponse.From(status), ApiJsonContext.Default.BackfillResponse, statusCode: StatusCodes.Status202Accepted),
        { Refusal: BackfillStartRefusal.AlreadyRunning } => TypedResults.Problem(result.Message ?? $"A backfill of '{id}' is running.",
            statusCode: StatusCodes.Status409Conflict, title: "A backfill is running"),
        { Refusal: BackfillStartRefusal.NothingToDiscover } => RequestBody.Invalid(BackfillRules.CollectionsField, BackfillRules.NothingToDiscover),
        _ => StatsEndpoints.NotFound(id),
    };

    private static IResult? CheckDids(string[]? dids)
    {
        if (dids is null)
        {
            return null;
        }

        var errors = FilterRules.Check([], "collections", dids, "dids", static (f, i) => $"{f}[{i}]")
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        return errors.Count == 0 ? null : TypedResults.ValidationProblem(errors, title: "The request is not valid");
    }

    private static IBackfillJobGrain JobOf(IGrainFactory grains, string id) =>
        ClusterUnavailableException.Resolve(() => grains.GetGrain<IBackfillJobGrain>(id));

    private static IResult NoBackfill(string id) =>
        TypedResults.Problem($"No backfill of subscription '{id}' ever ran.", statusCode: StatusCodes.Status404NotFound, title: "No backfill");
}
