using System.Text.Json;
using Jetstream.Grains.Connection;

namespace Jetstream.Grains.Tests.Unit;

public sealed class SubscribeRequestTests
{
    [Fact]
    public void Filters_repeat_and_cursor_is_in_microseconds()
    {
        var request = SubscribeRequest.Create("wss://host/subscribe", ["work.doing.*", "blue.2048.*"], ["did:plc:abc"], 1779719009132431);
        Assert.Null(request.Hello);
        Assert.Equal(
            "wss://host/subscribe?wantedCollections=work.doing.%2A&wantedCollections=blue.2048.%2A&wantedDids=did%3Aplc%3Aabc&cursor=1779719009132431",
            request.Uri.AbsoluteUri);
    }

    [Fact]
    public void No_filters_and_no_cursor_is_the_bare_endpoint()
    {
        var request = SubscribeRequest.Create("ws://127.0.0.1:6008/subscribe", [], [], null);
        Assert.Equal("ws://127.0.0.1:6008/subscribe", request.Uri.AbsoluteUri);
    }

    [Fact]
    public void Thousands_of_dids_go_in_an_options_update_hello_instead_of_the_url()
    {
        var dids = Enumerable.Range(0, 5000).Select(i => $"did:plc:{i:D24}").ToArray();
        var request = SubscribeRequest.Create("wss://host/subscribe", ["work.doing.*"], dids, 42);
        Assert.Equal("wss://host/subscribe?cursor=42&requireHello=true", request.Uri.AbsoluteUri);
        using var hello = JsonDocument.Parse(request.Hello!);
        Assert.Equal("options_update", hello.RootElement.GetProperty("type").GetString());
        var payload = hello.RootElement.GetProperty("payload");
        Assert.Equal(5000, payload.GetProperty("wantedDids").GetArrayLength());
        Assert.Equal("work.doing.*", payload.GetProperty("wantedCollections")[0].GetString());
    }
}
