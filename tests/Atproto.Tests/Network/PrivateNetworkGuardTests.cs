using System.Net;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Jetstream.Atproto.Tests.Network;

public sealed class PrivateNetworkGuardTests
{
    [Fact]
    public async Task Guarded_client_refuses_a_loopback_server_after_resolving_localhost_naming_host_range_and_setting()
    {
        await using var server = await KestrelServer.StartAsync(app => app.MapGet("/", () => "hello"));
        var guard = new PrivateNetworkGuard(allowPrivateNetworks: false, "Atproto:AllowPrivateNetworks");
        using var http = new HttpClient(guard.Apply(new SocketsHttpHandler()));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"http://localhost:{server.Url.Port}/"));

        var refused = Assert.IsType<PrivateNetworkRefusedException>(ex.InnerException);
        Assert.Equal("localhost", refused.Host);
        Assert.Equal(AddressRange.Loopback, refused.Range);
        Assert.Contains("refused to connect to 'localhost'", refused.Message);
        Assert.Contains("loopback", refused.Message);
        Assert.Contains("Atproto:AllowPrivateNetworks=true", refused.Message);
    }

    [Fact]
    public async Task Guarded_client_refuses_an_ip_literal()
    {
        await using var server = await KestrelServer.StartAsync(app => app.MapGet("/", () => "hello"));
        var guard = new PrivateNetworkGuard(false, "Atproto:AllowPrivateNetworks");
        using var http = new HttpClient(guard.Apply(new SocketsHttpHandler()));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync(server.Url));

        Assert.Equal(IPAddress.Loopback, Assert.IsType<PrivateNetworkRefusedException>(ex.InnerException).Address);
    }

    [Fact]
    public async Task Client_with_private_networks_allowed_reaches_the_loopback_server()
    {
        await using var server = await KestrelServer.StartAsync(app => app.MapGet("/", () => "hello"));
        var guard = new PrivateNetworkGuard(true, "Atproto:AllowPrivateNetworks");
        using var http = new HttpClient(guard.Apply(new SocketsHttpHandler()));

        Assert.Equal("hello", await http.GetStringAsync(server.Url));
        await guard.CheckAsync(server.Url);
    }

    [Fact]
    public async Task Public_address_passes_and_one_private_address_among_several_refuses_the_host()
    {
        var guard = new PrivateNetworkGuard(false, "X");
        guard.ThrowIfRefused("example", [IPAddress.Parse("93.184.215.14")]);
        var ex = await Assert.ThrowsAsync<PrivateNetworkRefusedException>(() => guard.CheckAsync(new Uri("http://[fd00::1]/")));
        Assert.Equal(AddressRange.UniqueLocal, ex.Range);
        Assert.Throws<PrivateNetworkRefusedException>(() =>
            guard.ThrowIfRefused("mixed", [IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.0.0.1")]));
    }
}
