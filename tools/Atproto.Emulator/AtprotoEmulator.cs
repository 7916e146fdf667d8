using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atproto.Emulator;

/// <summary>
/// The emulated network on real Kestrel listeners inside the calling process, for tests:
/// <c>await using var net = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 3 });</c>
/// then resolve DIDs at <see cref="PlcUri"/>, list at <see cref="RelayUri"/>, fetch from the PDS URLs the DID
/// documents name, and steer it through <see cref="Network"/> (faults, counters, changes).
/// </summary>
public sealed class AtprotoEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AtprotoEmulator(WebApplication app)
    {
        _app = app;
        Network = app.Services.GetRequiredService<EmulatedNetwork>();
    }

    public EmulatedNetwork Network { get; }

    /// <summary>The PLC directory (<c>GET {PlcUri}/{did}</c>).</summary>
    public Uri PlcUri => Network.Listeners.MainUri;

    /// <summary>The relay (<c>listReposByCollection</c>); the same listener as the PLC and the control API.</summary>
    public Uri RelayUri => Network.Listeners.MainUri;

    public Uri PdsUri(int host) => Network.Listeners.PdsUri(host);

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is out of range; the message names it.</exception>
    public static async Task<AtprotoEmulator> StartAsync(AtprotoEmulatorOptions? options = null, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        options ??= new AtprotoEmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(AtprotoEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (timeProvider is not null)
        {
            builder.Services.AddSingleton(timeProvider);
        }
        builder.AddAtprotoEmulator();
        // Runs after the configuration binding, so the caller's options win.
        builder.Services.Configure<AtprotoEmulatorOptions>(target =>
        {
            foreach (var property in typeof(AtprotoEmulatorOptions).GetProperties().Where(p => p.CanWrite))
            {
                property.SetValue(target, property.GetValue(options));
            }
        });
        var app = builder.Build();
        app.MapAtprotoEmulator();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return new AtprotoEmulator(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
