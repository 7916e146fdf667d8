using System.Globalization;
using Jetstream.Api.Auth;
using Jetstream.Api.Json;
using Jetstream.Storage;

namespace Jetstream.Api.DeadLetters;

public static class DeadLetterEndpoints
{
    public const int DefaultPeek = 10;
    public const string RedriveAllMessage = "Dead letters redriven";
    public const string RedriveOneMessage = "Dead letter redriven";

    /// <summary>
    /// <c>GET /deadletter</c> (count and a peek) and <c>POST /deadletter/redrive</c> (all, or one by <c>?id=</c>, the
    /// event id or the message id), through the Storage project's <see cref="DeadLetterQueue"/>.
    /// </summary>
    public static WebApplication MapDeadLetterEndpoints(this WebApplication app)
    {
        app.MapGet(ApiRoutes.DeadLetter, async (string? peek, DeadLetterQueue deadLetters, CancellationToken cancellationToken) =>
            {
                if (!TryParsePeek(peek, out var max))
                {
                    return Results.Problem(
                        $"'peek' must be a whole number from 1 to {DeadLetterQueue.MaxBatch} (default {DefaultPeek}).",
                        statusCode: StatusCodes.Status400BadRequest,
                        title: "Invalid peek");
                }

                var count = await deadLetters.CountAsync(cancellationToken);
                var messages = await deadLetters.PeekAsync(max, cancellationToken);
                return TypedResults.Json(new DeadLetterResponse(count, messages), ApiJsonContext.Default.DeadLetterResponse);
            })
            .WithDescription($"Dead-lettered events: count and a peek (?peek=1..{DeadLetterQueue.MaxBatch}, default {DefaultPeek})");

        app.MapGroup(string.Empty)
            .RequireAdminToken()
            .MapPost(ApiRoutes.DeadLetterRedrive, async (string? id, DeadLetterQueue deadLetters, CancellationToken cancellationToken) =>
            {
                if (id is null)
                {
                    var moved = await deadLetters.RedriveAllAsync(cancellationToken);
                    return TypedResults.Json(new RedriveResponse(RedriveAllMessage, moved), ApiJsonContext.Default.RedriveResponse);
                }

                if (string.IsNullOrWhiteSpace(id))
                {
                    return Results.Problem("'id' must be an event id (evt_…) or a dead-letter message id.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
                }

                return await deadLetters.RedriveAsync(id, cancellationToken)
                    ? TypedResults.Json(new RedriveResponse(RedriveOneMessage, 1), ApiJsonContext.Default.RedriveResponse)
                    : Results.Problem($"No dead-lettered event or message has the id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Dead letter not found");
            })
            .WithDescription("Move dead-lettered events back to the queue: all, or one with ?id= (admin token)");
        return app;
    }

    private static bool TryParsePeek(string? value, out int max)
    {
        if (value is null)
        {
            max = DefaultPeek;
            return true;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out max) && max is >= 1 and <= DeadLetterQueue.MaxBatch;
    }
}
