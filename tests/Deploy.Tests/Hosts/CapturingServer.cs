using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// Stands in for Kestrel: ASP.NET Core builds the request pipeline and hands it the addresses it would listen on
/// (from Urls, HTTP_PORTS, ...), then this records the host instead of opening a socket.
/// </summary>
internal sealed class CapturingServer(IServiceProvider services, HostCapture capture) : IServer
{
    public IFeatureCollection Features { get; } = CreateFeatures();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        capture.Record(services, Features.Get<IServerAddressesFeature>()!.Addresses.ToArray());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }

    private static FeatureCollection CreateFeatures()
    {
        var features = new FeatureCollection();
        features.Set<IServerAddressesFeature>(new AddressesFeature());
        return features;
    }

    private sealed class AddressesFeature : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = [];

        public bool PreferHostingUrls { get; set; }
    }
}
