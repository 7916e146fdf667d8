using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jetstream.Api.Tests;

/// <summary>
/// The Api exactly as <c>Api/Program.cs</c> builds it, its own Orleans client included, listening on a real Kestrel
/// port of 127.0.0.1 (so a browser can load it). Settings are passed as the host's command-line settings would be.
/// </summary>
// Any Api type names the entry assembly; Program is ambiguous here (the Silo and the emulator have one too).
public sealed class ApiServer : WebApplicationFactory<ApiOptions>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly CapturingLoggerProvider? _logs;

    public ApiServer(IReadOnlyDictionary<string, string?> settings, bool captureLogs = false)
    {
        _settings = settings;
        _logs = captureLogs ? new CapturingLoggerProvider() : null;
        UseKestrel(0);
    }

    /// <summary>Every line the host logged, at every level (only with <c>captureLogs</c>).</summary>
    public IReadOnlyCollection<string> Logs => _logs?.Lines ?? [];

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            return new Uri(addresses.Single().Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        }
    }

    /// <summary>A plain HTTP client against the Kestrel port: no redirects followed, no cookies.</summary>
    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        if (_logs is not null)
        {
            builder.ConfigureLogging(logging => logging.AddProvider(_logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        }

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
