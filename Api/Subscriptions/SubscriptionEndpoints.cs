using Jetstream.Api.Auth;
using Jetstream.Api.Json;
using Jetstream.Api.Stats;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Api.Subscriptions;

/// <summary>
/// <c>/subscriptions</c>: create, read, replace, delete, pause, resume and replay subscriptions while the cluster runs,
/// and each one's stats, status, page, reset and reconnect. Every route needs the admin token (they show receivers' URLs).
/// </summary>
public static class SubscriptionEndpoints
{
    public static WebApplication MapSubscriptionEndpoints(this WebApplication app)
    {
        var group = app.MapGroup(ApiRoutes.Subscriptions).RequireAdminToken().WithTags("Subscriptions");

        group.MapGet(string.Empty, async (SubscriptionService service, CancellationToken cancellationToken) =>
                TypedResults.Json(new SubscriptionListResponse(await service.ListAsync(cancellationToken)), ApiJsonContext.Default.SubscriptionListResponse))
            .WithDescription("List subscriptions with a status summary (admin token)")
            .Produces<SubscriptionListResponse>();

        group.MapPost(string.Empty, async (HttpRequest request, SubscriptionService service, SubscriptionValidator validator, CancellationToken cancellationToken) =>
            {
                var (body, problem) = await RequestBody.ReadAsync(request, ApiJsonContext.Default.SubscriptionRequest);
                if (problem is not null)
                {
                    return problem;
                }

                var errors = await validator.ValidateAsync(body!, routeId: null, cancellationToken);
                if (errors.Count > 0)
                {
                    return TypedResults.ValidationProblem(errors, title: "The subscription is not valid");
                }

                if (await service.CreateAsync(body!, cancellationToken) is not { } created)
                {
                    return TypedResults.Problem($"A subscription '{body!.Id}' exists already; PUT /subscriptions/{body.Id} replaces its settings.",
                        statusCode: StatusCodes.Status409Conflict, title: "Subscription exists");
                }

                var location = ApiRoutes.Subscriptions + "/" + created.Id;
                return TypedResults.Json(await service.DescribeAsync(created, cancellationToken), ApiJsonContext.Default.SubscriptionResponse, statusCode: StatusCodes.Status201Created)
                    .WithLocation(request.HttpContext, location);
            })
            .WithDescription("Create a subscription (admin token)")
            .Accepts<SubscriptionRequest>("application/json")
            .Produces<SubscriptionResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/{id}", async (string id, SubscriptionService service, CancellationToken cancellationToken) =>
                await service.FindAsync(id, cancellationToken) is { } found
                    ? TypedResults.Json(await service.DescribeAsync(found.Document, cancellationToken), ApiJsonContext.Default.SubscriptionResponse)
                    : StatsEndpoints.NotFound(id))
            .WithDescription("One subscription (admin token)")
            .Produces<SubscriptionResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id}", async (string id, HttpRequest request, SubscriptionService service, SubscriptionValidator validator, CancellationToken cancellationToken) =>
            {
                if (await service.FindAsync(id, cancellationToken) is not { } existing)
                {
                    return StatsEndpoints.NotFound(id);
                }

                var (body, problem) = await RequestBody.ReadAsync(request, ApiJsonContext.Default.SubscriptionRequest);
                if (problem is not null)
                {
                    return problem;
                }

                var errors = await validator.ValidateAsync(body!, id, cancellationToken);
                if (errors.Count > 0)
                {
                    return TypedResults.ValidationProblem(errors, title: "The subscription is not valid");
                }

                if (existing.Document.Lifecycle != SubscriptionLifecycle.Active)
                {
                    return Deleting(id);
                }

                var replaced = await service.ReplaceAsync(id, body!, cancellationToken);
                return replaced is null ? StatsEndpoints.NotFound(id) : TypedResults.Json(await service.DescribeAsync(replaced.Document, cancellationToken), ApiJsonContext.Default.SubscriptionResponse);
            })
            .WithDescription("Replace a subscription's settings; filter changes apply on the open socket (admin token)")
            .Accepts<SubscriptionRequest>("application/json")
            .Produces<SubscriptionResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{id}", async (string id, bool? discard, SubscriptionService service, CancellationToken cancellationToken) =>
            {
                if (!SubscriptionId.IsValid(id) || await service.DeleteAsync(id, discard ?? false, cancellationToken) is not { } deleted)
                {
                    return StatsEndpoints.NotFound(id);
                }

                return TypedResults.Json(deleted, ApiJsonContext.Default.DeleteResponse,
                    statusCode: deleted.State == "deleted" ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
            })
            .WithDescription("Stop and remove a subscription: queued events are delivered first, or dropped with ?discard=true (admin token)")
            .Produces<DeleteResponse>(StatusCodes.Status202Accepted)
            .Produces<DeleteResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/pause", (string id, SubscriptionService service, CancellationToken cancellationToken) => SetEnabledAsync(id, false, service, cancellationToken))
            .WithDescription("Stop reading Jetstream; the cursor stays (admin token)")
            .Produces<SubscriptionResponse>();
        group.MapPost("/{id}/resume", (string id, SubscriptionService service, CancellationToken cancellationToken) => SetEnabledAsync(id, true, service, cancellationToken))
            .WithDescription("Read Jetstream again from the cursor, missing nothing (admin token)")
            .Produces<SubscriptionResponse>();

        group.MapPost("/{id}/replay", async (string id, HttpRequest request, SubscriptionService service, StatsReader reader, ILogger<SubscriptionService> logger, CancellationToken cancellationToken) =>
            {
                if (await service.FindAsync(id, cancellationToken) is not { Document.Lifecycle: SubscriptionLifecycle.Active })
                {
                    return StatsEndpoints.NotFound(id);
                }

                var (body, problem) = await RequestBody.ReadAsync(request, ApiJsonContext.Default.ReplayRequest);
                if (problem is not null)
                {
                    return problem;
                }

                if (!DateTimeOffset.TryParse(body!.From, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var from)
                    || !body.From!.Contains('T', StringComparison.OrdinalIgnoreCase))
                {
                    return RequestBody.Invalid("from", $"'{body.From}' is not an RFC 3339 time such as 2026-12-03T10:00:00Z.");
                }

                var result = await reader.ProcessorOf(id).Replay(from);
                if (!result.Accepted)
                {
                    return RequestBody.Invalid("from", result.Error!);
                }

                ApiLog.ReplayRequested(logger, id, from);
                return TypedResults.Json(new ReplayResponse(id, from, result.CursorUs!.Value, "Reading again from that time: every event since then is delivered again, with the same webhook-id."),
                    ApiJsonContext.Default.ReplayResponse, statusCode: StatusCodes.Status202Accepted);
            })
            .WithDescription("Read Jetstream again from {\"from\":\"<RFC 3339 time>\"} (admin token)")
            .Accepts<ReplayRequest>("application/json")
            .Produces<ReplayResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();

        MapPerSubscriptionStats(group);
        return app;
    }

    /// <summary>What the top-level routes do for <c>default</c>, for any subscription.</summary>
    private static void MapPerSubscriptionStats(RouteGroupBuilder group)
    {
        group.MapGet("/{id}/stats", (string id, SubscriptionService service, StatsReader reader, CancellationToken cancellationToken) =>
                WhenActive(id, service, cancellationToken, async () => TypedResults.Json(await reader.ReadAsync(id, cancellationToken), ApiJsonContext.Default.StatsResponse)))
            .WithDescription("A subscription's statistics (admin token)")
            .Produces<StatsResponse>();
        group.MapGet("/{id}/status", (string id, SubscriptionService service, StatsReader reader, CancellationToken cancellationToken) =>
                WhenActive(id, service, cancellationToken, async () => TypedResults.Json(await reader.ReadStatusAsync(id, cancellationToken), ApiJsonContext.Default.StatusResponse)))
            .WithDescription("A subscription's connection status and webhook endpoint circuit (admin token)")
            .Produces<Grains.Interfaces.ConnectionStatus>();
        group.MapGet("/{id}/stats/html", (string id, HttpContext http, SubscriptionService service, StatsReader reader, IOptions<ApiOptions> options, TimeProvider time, CancellationToken cancellationToken) =>
                WhenActive(id, service, cancellationToken, () => StatsEndpoints.RenderPageAsync(http, id, reader, options.Value, time, overview: null)))
            .WithDescription("A subscription's dashboard page (admin token)");
        group.MapPost("/{id}/reset", (string id, SubscriptionService service, StatsReader reader, CancellationToken cancellationToken) =>
                WhenActive(id, service, cancellationToken, async () =>
                {
                    await reader.ProcessorOf(id).ResetStats();
                    return TypedResults.Json(new MessageResponse(AdminEndpoints.ResetMessage), ApiJsonContext.Default.MessageResponse);
                }))
            .WithDescription("Reset a subscription's statistics (admin token)")
            .Produces<MessageResponse>();
        group.MapPost("/{id}/reconnect", (string id, SubscriptionService service, StatsReader reader, CancellationToken cancellationToken) =>
                WhenActive(id, service, cancellationToken, async () =>
                {
                    await reader.ProcessorOf(id).Reconnect();
                    return TypedResults.Json(new MessageResponse(AdminEndpoints.ReconnectMessage), ApiJsonContext.Default.MessageResponse);
                }))
            .WithDescription("Reconnect a subscription's socket (admin token)")
            .Produces<MessageResponse>();
    }

    private static async Task<IResult> SetEnabledAsync(string id, bool enabled, SubscriptionService service, CancellationToken cancellationToken) =>
        await service.FindAsync(id, cancellationToken) switch
        {
            null => StatsEndpoints.NotFound(id),
            { Document.Lifecycle: not SubscriptionLifecycle.Active } => Deleting(id),
            _ => await service.SetEnabledAsync(id, enabled, cancellationToken) is { } updated
                ? TypedResults.Json(await service.DescribeAsync(updated.Document, cancellationToken), ApiJsonContext.Default.SubscriptionResponse)
                : StatsEndpoints.NotFound(id),
        };

    /// <summary>Runs <paramref name="action"/> for an active subscription only, so a stray id never activates a grain.</summary>
    private static async Task<IResult> WhenActive(string id, SubscriptionService service, CancellationToken cancellationToken, Func<Task<IResult>> action) =>
        await service.FindAsync(id, cancellationToken) switch
        {
            null => StatsEndpoints.NotFound(id),
            { Document.Lifecycle: not SubscriptionLifecycle.Active } => Deleting(id),
            _ => await action(),
        };

    private static IResult Deleting(string id) =>
        TypedResults.Problem($"Subscription '{id}' is being deleted.", statusCode: StatusCodes.Status409Conflict, title: "Subscription is being deleted");

    private static IResult WithLocation(this IResult result, HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return result;
    }
}
