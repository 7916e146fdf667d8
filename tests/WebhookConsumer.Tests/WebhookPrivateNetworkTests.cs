using System.Net;
using Jetstream.Atproto.Network;
using Jetstream.Storage.Subscriptions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// The webhook's private-network rules are the AT Protocol library's: IPv6 forms that carry an IPv4 address are judged by
/// that address, documentation ranges are refused, and the messages keep naming the host and Webhook:AllowPrivateNetworks.
/// </summary>
public sealed class WebhookPrivateNetworkTests
{
    [Theory]
    [InlineData("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1", "loopback")]
    [InlineData("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1", "private")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe", "link-local")]
    [InlineData("http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1", "loopback")]
    [InlineData("http://[2002:c0a8:101::1]/", "2002:c0a8:101::1", "private")]
    [InlineData("http://[2002:7f00:1::1]/", "2002:7f00:1::1", "loopback")]
    [InlineData("http://192.0.2.10/", "192.0.2.10", "reserved")]
    [InlineData("http://198.51.100.7/", "198.51.100.7", "reserved")]
    [InlineData("http://203.0.113.200/", "203.0.113.200", "reserved")]
    [InlineData("http://[2001:db8::1]/", "2001:db8::1", "reserved")]
    public async Task Saving_a_url_that_reaches_a_non_public_address_is_refused_naming_the_address_and_the_setting(string url, string address, string range)
    {
        var refused = await PrivateNetworks.CheckAsync(new Uri(url));

        Assert.NotNull(refused);
        Assert.Contains($"resolves to {address}, a {range}", refused, StringComparison.Ordinal);
        Assert.EndsWith("set Webhook:AllowPrivateNetworks=true to allow it", refused, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://8.8.8.8/")]
    [InlineData("http://[::ffff:8.8.8.8]/")]
    [InlineData("http://[64:ff9b::808:808]/")]
    [InlineData("http://[2002:808:808::1]/")]
    public async Task Saving_a_url_that_reaches_a_public_address_passes(string url) =>
        Assert.Null(await PrivateNetworks.CheckAsync(new Uri(url)));

    [Fact]
    public async Task Saving_a_url_whose_host_does_not_resolve_is_refused() =>
        Assert.StartsWith("the host 'no-such-host.invalid' does not resolve", await PrivateNetworks.CheckAsync(new Uri("http://no-such-host.invalid/")), StringComparison.Ordinal);

    [Theory]
    [InlineData("http://[::ffff:127.0.0.1]:9/", "::ffff:127.0.0.1")]
    [InlineData("http://[64:ff9b::7f00:1]:9/", "64:ff9b::7f00:1")]
    [InlineData("http://[2002:7f00:1::1]:9/", "2002:7f00:1::1")]
    public async Task The_consumers_connect_step_refuses_an_ipv6_form_of_loopback_naming_the_setting(string url, string address)
    {
        using var http = new HttpClient(PrivateNetworks.Guard(allowPrivateNetworks: false).Apply(new SocketsHttpHandler { UseProxy = false }));

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(url));

        var refused = Assert.IsType<PrivateNetworkRefusedException>(ex.InnerException);
        Assert.Equal(IPAddress.Parse(address), refused.Address);
        Assert.Equal(AddressRange.Loopback, refused.Range);
        Assert.Contains("set Webhook:AllowPrivateNetworks=true", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_guard_is_off_when_the_setting_allows_private_networks()
    {
        var handler = PrivateNetworks.Guard(allowPrivateNetworks: true).Apply(new SocketsHttpHandler());

        Assert.Null(handler.ConnectCallback);
    }
}
