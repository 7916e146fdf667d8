using Jetstream.Grains.Options;

namespace Jetstream.Grains.Tests.Unit;

public sealed class JetstreamOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        var options = new JetstreamOptions();
        options.ApplyDefaults();
        Assert.True(new JetstreamOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal("wss://jetstream1.us-west.bsky.network/subscribe", options.Endpoints[0]);
        Assert.Equal(["work.doing.*", "blue.2048.*"], options.WantedCollections);
    }

    [Theory]
    [InlineData("*", "Jetstream:WantedCollections:0")]
    [InlineData("app.*.post", "Jetstream:WantedCollections:0")]
    public void A_collection_the_server_rejects_names_the_setting(string pattern, string setting)
    {
        var result = new JetstreamOptionsValidator().Validate(null, new JetstreamOptions { Endpoints = ["wss://h/subscribe"], WantedCollections = [pattern] });
        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("https://jetstream1.us-west.bsky.network/subscribe")]
    [InlineData("wss://host/subscribe?wantedCollections=a.b.c")]
    public void A_malformed_endpoint_names_the_setting(string endpoint)
    {
        var result = new JetstreamOptionsValidator().Validate(null, new JetstreamOptions { Endpoints = ["wss://ok/subscribe", endpoint] });
        Assert.True(result.Failed);
        Assert.Contains("Jetstream:Endpoints:1", result.FailureMessage);
    }

    [Fact]
    public void A_malformed_did_names_the_setting()
    {
        var result = new JetstreamOptionsValidator().Validate(null, new JetstreamOptions { Endpoints = ["wss://ok/subscribe"], WantedDids = ["plc:abc"] });
        Assert.Contains("Jetstream:WantedDids:0", result.FailureMessage);
    }

    [Fact]
    public void More_than_a_hundred_collections_is_refused()
    {
        var many = Enumerable.Range(0, 101).Select(i => $"app.test.c{i}").ToArray();
        var result = new JetstreamOptionsValidator().Validate(null, new JetstreamOptions { Endpoints = ["wss://ok/subscribe"], WantedCollections = many });
        Assert.Contains("at most 100", result.FailureMessage);
    }

    [Fact]
    public void The_v2_endpoint_path_is_accepted_and_an_unknown_path_names_the_setting()
    {
        var validator = new JetstreamOptionsValidator();
        Assert.True(validator.Validate(null, new JetstreamOptions { Endpoints = ["wss://jetstream.us-east.bsky.network/xrpc/network.bsky.jetstream.subscribeEvents"], WantedCollections = ["app.bsky.*"] }).Succeeded);
        var result = validator.Validate(null, new JetstreamOptions { Endpoints = ["wss://ok/subscribe", "wss://host/firehose"], WantedCollections = ["app.bsky.*"] });
        Assert.True(result.Failed);
        Assert.Contains("Jetstream:Endpoints:1", result.FailureMessage);
    }

    [Fact]
    public void A_prefix_v1_accepts_but_v2_refuses_names_the_setting_only_when_a_v2_endpoint_is_configured()
    {
        var validator = new JetstreamOptionsValidator();
        Assert.True(validator.Validate(null, new JetstreamOptions { Endpoints = ["wss://h/subscribe"], WantedCollections = ["foo_bar.*"] }).Succeeded);
        var result = validator.Validate(null, new JetstreamOptions { Endpoints = ["wss://h/subscribe", "wss://h/xrpc/network.bsky.jetstream.subscribeEvents"], WantedCollections = ["foo_bar.*"] });
        Assert.True(result.Failed);
        Assert.Contains("Jetstream:WantedCollections:0", result.FailureMessage);
        Assert.Contains("v2", result.FailureMessage);
    }
}
