using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Jetstream.Emulator;

/// <summary>
/// The control API under <c>/control</c>, for the demo, the benchmarks and tests that run the emulator as a process.
/// Bad input gets a 400 that names the parameter.
/// </summary>
internal static class ControlEndpoints
{
    private const int MaxPublishPerRequest = 1_000_000;

    public static void Map(RouteGroupBuilder control)
    {
        control.MapPost("/publish", (string? count, EmulatorFeed feed) =>
        {
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxPublishPerRequest)
            {
                return BadRequest($"count must be an integer from 1 to {MaxPublishPerRequest}, got '{count}'");
            }

            var times = feed.PublishNow(n);
            return TypedResults.Json(new PublishResponse(n, times[0], times[^1]), EmulatorJsonContext.Default.PublishResponse);
        });

        control.MapPost("/rate", (string? eventsPerSecond, EmulatorHub hub) =>
        {
            if (!double.TryParse(eventsPerSecond, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate >= 0))
            {
                return BadRequest($"eventsPerSecond must be a number >= 0 (or Infinity), got '{eventsPerSecond}'");
            }

            hub.Options.EventsPerSecond = rate;
            return TypedResults.Json(new RateResponse(rate), EmulatorJsonContext.Default.RateResponse);
        });

        control.MapPost("/drop", (string? connection, EmulatorHub hub) =>
            TryConnection(connection, out var id, out var problem)
                ? TypedResults.Json(new DropResponse(hub.Drop(id)), EmulatorJsonContext.Default.DropResponse)
                : problem);

        control.MapPost("/consumer-too-slow", (string? connection, EmulatorHub hub) =>
            TryConnection(connection, out var id, out var problem)
                ? TypedResults.Json(new ConsumerTooSlowResponse(hub.SignalConsumerTooSlow(id)), EmulatorJsonContext.Default.ConsumerTooSlowResponse)
                : problem);

        control.MapPost("/retention", (string? retentionSeconds, string? maxLogEvents, EmulatorHub hub) =>
        {
            if (retentionSeconds is null && maxLogEvents is null)
            {
                return BadRequest("give retentionSeconds (a number >= 0; 0 = no age limit) and/or maxLogEvents (an integer >= 1)");
            }

            if (retentionSeconds is not null
                && (!double.TryParse(retentionSeconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds >= 0) || seconds > 315_360_000))
            {
                return BadRequest($"retentionSeconds must be a number of seconds >= 0, got '{retentionSeconds}'");
            }

            if (maxLogEvents is not null && (!int.TryParse(maxLogEvents, NumberStyles.None, CultureInfo.InvariantCulture, out var max) || max < 1))
            {
                return BadRequest($"maxLogEvents must be an integer >= 1, got '{maxLogEvents}'");
            }

            if (retentionSeconds is not null)
            {
                hub.Options.Retention = TimeSpan.FromSeconds(double.Parse(retentionSeconds, CultureInfo.InvariantCulture));
            }

            if (maxLogEvents is not null)
            {
                hub.Options.MaxLogEvents = int.Parse(maxLogEvents, CultureInfo.InvariantCulture);
            }

            hub.Trim(hub.FloorSeq);
            return Retention(hub);
        });

        control.MapPost("/trim", (string? floorSeq, EmulatorHub hub) =>
        {
            long? floor = null;
            if (floorSeq is not null)
            {
                if (!long.TryParse(floorSeq, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
                {
                    return BadRequest($"floorSeq must be an integer >= 1, got '{floorSeq}'");
                }

                floor = parsed;
            }

            hub.Trim(floor);
            return Retention(hub);
        });

        control.MapPost("/zstd-dictionary", (string? id, EmulatorHub hub) =>
        {
            if (!uint.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || KnownZstdDictionary.ById(parsed) is null)
            {
                return BadRequest($"id must be a known dictionary id ({string.Join(", ", KnownZstdDictionary.All.Select(d => d.Id))}), got '{id}'");
            }

            hub.Options.V2DictionaryId = parsed;
            return TypedResults.Json(new DictionaryResponse(parsed), EmulatorJsonContext.Default.DictionaryResponse);
        });

        control.MapGet("/connections", (EmulatorHub hub) => TypedResults.Json(new ConnectionsResponse(hub.Connections), EmulatorJsonContext.Default.ConnectionsResponse));
        control.MapGet("/stats", (EmulatorHub hub) => TypedResults.Json(hub.Stats, EmulatorJsonContext.Default.EmulatorStats));
    }

    private static IResult Retention(EmulatorHub hub)
    {
        var stats = hub.Stats;
        return TypedResults.Json(
            new RetentionResponse(stats.FloorSeq, stats.NextSeq, stats.LoggedEvents, hub.Options.Retention.TotalSeconds, hub.Options.MaxLogEvents),
            EmulatorJsonContext.Default.RetentionResponse);
    }

    private static bool TryConnection(string? raw, out int? id, out IResult problem)
    {
        id = null;
        problem = Results.Empty;
        if (raw is null)
        {
            return true;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            problem = BadRequest($"connection must be a connection id (see GET /control/connections), got '{raw}'");
            return false;
        }

        id = parsed;
        return true;
    }

    private static IResult BadRequest(string message) => Results.Text(message, statusCode: StatusCodes.Status400BadRequest);
}
