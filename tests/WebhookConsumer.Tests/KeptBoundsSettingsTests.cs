using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>The bounds of the backlog held in hand during an outage (issue 20) stop the host at start when wrong, named.</summary>
public sealed class KeptBoundsSettingsTests
{
    [Theory]
    [InlineData("Webhook:MaxKeptMessages", "-1")]
    [InlineData("Webhook:MaxKeptMessages", "100001")]
    [InlineData("Webhook:MaxKeptBytes", "-1")]
    [InlineData("Webhook:MaxKeptBytes", "1073741825")]
    public async Task Host_refuses_to_start_with_a_bad_bound_on_what_is_held_in_hand_and_names_it(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Webhook:Url"] = "http://127.0.0.1:1/hook", [key] = value });
        builder.AddWebhookConsumer();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message);
    }
}
