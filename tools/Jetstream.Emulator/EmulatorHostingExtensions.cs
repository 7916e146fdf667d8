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
        "Jetstream emulator: the Bluesky Jetstream v1 WebSocket protocol (GET /subscribe, PROTOCOL.md §2, zstd with compress=true) "
        + "and the v2 wire (GET /xrpc/network.bsky.jetstream.subscribeEvents, GET /xrpc/network.bsky.jetstream.getZstdDictionary, §3). "
        + "Control API: POST /control/publish?count=N, POST /control/rate?eventsPerSecond=X, POST /control/drop[?connection=ID], "
        + "POST /control/consumer-too-slow[?connection=ID], POST /control/retention?retentionSeconds=S&maxLogEvents=N, POST /control/trim[?floorSeq=N], "
        + "POST /control/zstd-dictionary?id=N, GET /control/connections, GET /control/stats. Health: GET /health.";

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
        services.AddSingleton<ZstdDictionaries>();
        services.AddSingleton<IEventSource>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmulatorOptions>>().Value;
            return options.ReplayFile is { Length: > 0 } file
                ? new JsonlReplayer(file, options.ReplayNewRevs)
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
        app.MapGet(SubscribeEndpoint.Path, (HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries) => SubscribeEndpoint.HandleAsync(context, hub, dictionaries));
        app.MapGet(SubscribeEventsEndpoint.Path, (HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries) => SubscribeEventsEndpoint.HandleAsync(context, hub, dictionaries));
        app.MapGet(ZstdDictionaryEndpoint.Path, (HttpContext context, EmulatorHub hub, ZstdDictionaries dictionaries) => ZstdDictionaryEndpoint.HandleAsync(context, hub, dictionaries));
        app.MapGet("/", () => Results.Text(Description));
        app.MapGet("/health", (EmulatorHub hub) => TypedResults.Json(new HealthResponse("ok", hub.ActiveConnections), EmulatorJsonContext.Default.HealthResponse));
        ControlEndpoints.Map(app.MapGroup("/control"));
        return app;
    }
}
