using Jetstream.Api;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Backfill.Tests;

/// <summary>
/// The Api exactly as <c>Api/Program.cs</c> builds it (its own Orleans client of the given silo) on a real Kestrel port
/// of 127.0.0.1, its settings passed as the host's command-line settings would be.
/// </summary>
// Any Api type names the entry assembly; Program is ambiguous here (the Silo and the WebhookConsumer have one too).
public sealed class ApiHost : WebApplicationFactory<ApiOptions>
{
    public const string AdminToken = "devnet-admin-token-0123456789";

    private readonly IReadOnlyDictionary<string, string?> _settings;

    public ApiHost(IReadOnlyDictionary<string, string?> settings)
    {
        _settings = settings;
        UseKestrel(0);
    }

    /// <summary>Starts the host (on first use) and answers an HTTP client carrying the admin token.</summary>
    public HttpClient CreateAdminClient()
    {
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var http = new HttpClient { BaseAddress = new Uri(address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal)), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Api:AdminToken", AdminToken);
    }
}
