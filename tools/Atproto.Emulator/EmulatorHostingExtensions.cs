using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Atproto.Emulator;

public static class EmulatorHostingExtensions
{
    private const string Description =
        "AT Protocol network emulator. Main listener: PLC directory (GET /{did}), relay (GET /xrpc/com.atproto.sync.listReposByCollection), "
        + "control API (GET /control/accounts, GET|POST|DELETE /control/faults, GET /control/stats, POST /control/stats/reset, GET /control/prebuild, "
        + "POST /control/accounts/{did}/records). PDS hosts: GET /xrpc/com.atproto.sync.getRepo|getLatestCommit|getRepoStatus?did=.";

    /// <summary>Services of the emulator; options come from section <c>AtprotoEmulator</c> and are checked at start.</summary>
    public static IHostApplicationBuilder AddAtprotoEmulator(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AtprotoEmulatorOptions>()
            .BindConfiguration(AtprotoEmulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AtprotoEmulatorOptions>>().Value);
        services.AddSingleton<EmulatorListeners>();
        services.AddSingleton<AccountDirectory>();
        services.AddSingleton<RecordGenerator>();
        services.AddSingleton(sp => new FaultBook(sp.GetRequiredService<AtprotoEmulatorOptions>().Faults));
        services.AddSingleton<RequestCounters>();
        services.AddSingleton<EmulatedNetwork>();
        services.AddSingleton<RepoImageBuilder>();
        services.AddSingleton<RepoStore>();
        services.AddSingleton<RepoPrebuilder>();
        services.AddHostedService(sp => sp.GetRequiredService<RepoPrebuilder>());
        services.AddOptions<KestrelServerOptions>()
            .Configure<EmulatorListeners, IOptions<AtprotoEmulatorOptions>>((kestrel, listeners, options) => listeners.Configure(kestrel, options.Value));
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>Maps the PLC, relay, PDS and control routes.</summary>
    public static WebApplication MapAtprotoEmulator(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var network = app.Services.GetRequiredService<EmulatedNetwork>();
            var o = network.Options;
            EmulatorLog.Started(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Atproto.Emulator"),
                network.Listeners.MainUri, o.PdsHosts, network.Listeners.PdsUri(0), o.Accounts, o.MatchingRecords, o.MatchingCollection, o.OtherRecords, o.Seed);
        });
        app.MapGet("/", () => Results.Text(Description));
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet(PdsEndpoints.GetRepoPath, PdsEndpoints.GetRepoAsync);
        app.MapGet(PdsEndpoints.GetLatestCommitPath, PdsEndpoints.GetLatestCommitAsync);
        app.MapGet(PdsEndpoints.GetRepoStatusPath, PdsEndpoints.GetRepoStatus);
        app.MapGet(RelayEndpoint.Path, RelayEndpoint.Handle);
        ControlEndpoints.Map(app.MapGroup("/control"));
        app.MapGet(PlcEndpoint.Path, PlcEndpoint.HandleAsync);
        return app;
    }
}
