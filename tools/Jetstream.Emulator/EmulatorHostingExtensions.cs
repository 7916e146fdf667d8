using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator;

public static class EmulatorHostingExtensions
{
    private const string Description =
        "Jetstream emulator: the Bluesky Jetstream v1 WebSocket protocol (GET /subscribe, PROTOCOL.md §2) without zstd compression. "
        + "Control API: POST /control/publish?count=N, POST /control/rate?eventsPerSecond=X, POST /control/drop, GET /control/stats. Health: GET /health.";

    private const int MaxPublishPerRequest = 1_000_000;

    /// <summary>Services of the emulator; options come from section <c>Emulator</c> and are checked at start.</summary>
    public static IHostApplicationBuilder AddJetstreamEmulator(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EmulatorOptions>()
            .BindConfiguration(EmulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EmulatorHub>();
        services.AddSingleton<IEventSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmulatorOptions>>().Value;
            return options.ReplayFile is { Length: > 0 } file
                ? new JsonlReplayer(file)
                : new EventGenerator(options.Seed, options.ToGeneratorProfile());
        });
        services.AddSingleton<EmulatorFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<EmulatorFeed>());
        services.Configure<KestrelServerOptions>(kestrel =>
        {
            // Go's net/http accepts 1 MB of request line and headers; long wantedDids lists rely on it.
            kestrel.Limits.MaxRequestLineSize = 1 << 20;
            kestrel.Limits.MaxRequestHeadersTotalSize = 1 << 20;
        });
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, EmulatorJsonContext.Default));
        return builder;
    }

    /// <summary>Maps <c>/subscribe</c>, <c>/</c>, <c>/health</c> and the control API.</summary>
    public static WebApplication MapJetstreamEmulator(this WebApplication app)
    {
        // Services are resolved per request rather than here, so a bad setting surfaces from ValidateOnStart at start.
        app.Lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<EmulatorHub>().DropAll());
        app.UseWebSockets();
        app.MapGet("/subscribe", (HttpContext context, EmulatorHub hub) => SubscribeEndpoint.HandleAsync(context, hub));
        app.MapGet("/", () => Results.Text(Description));
        app.MapGet("/health", (EmulatorHub hub) => TypedResults.Json(new HealthResponse("ok", hub.ActiveConnections), EmulatorJsonContext.Default.HealthResponse));
        MapControl(app.MapGroup("/control"));
        return app;
    }

    private static void MapControl(RouteGroupBuilder control)
    {
        control.MapPost("/publish", (string? count, EmulatorFeed feed) =>
        {
            if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxPublishPerRequest)
            {
                return Results.Text($"count must be an integer from 1 to {MaxPublishPerRequest}, got '{count}'", statusCode: StatusCodes.Status400BadRequest);
            }

            var times = feed.PublishNow(n);
            return TypedResults.Json(new PublishResponse(n, times[0], times[^1]), EmulatorJsonContext.Default.PublishResponse);
        });

        control.MapPost("/rate", (string? eventsPerSecond, EmulatorHub hub) =>
        {
            if (!double.TryParse(eventsPerSecond, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate >= 0))
            {
                return Results.Text($"eventsPerSecond must be a number >= 0 (or Infinity), got '{eventsPerSecond}'", statusCode: StatusCodes.Status400BadRequest);
            }

            hub.Options.EventsPerSecond = rate;
            return TypedResults.Json(new RateResponse(rate), EmulatorJsonContext.Default.RateResponse);
        });

        control.MapPost("/drop", (EmulatorHub hub) => TypedResults.Json(new DropResponse(hub.DropAll()), EmulatorJsonContext.Default.DropResponse));
        control.MapGet("/stats", (EmulatorHub hub) => TypedResults.Json(hub.Stats, EmulatorJsonContext.Default.EmulatorStats));
    }
}
