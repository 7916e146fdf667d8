using Jetstream.Deploy.Tests.Checks;
using Jetstream.Deploy.Tests.Files;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests;

public sealed class ComposeTests
{
    [Fact]
    public async Task Compose_with_a_webhook_URL_runs_two_silos_the_Api_and_the_consumer_as_their_code_expects()
    {
        var compose = ComposeFile.Parse(RepoFiles.Compose, RepoFiles.LiveVariables, RepoPaths.Root);

        Assert.Equal(["api", "azurite", "consumer", "silo-1", "silo-2"], compose.Active([]).Select(s => s.Name).Order(StringComparer.Ordinal));
        Problems.AssertNone(await ComposeChecks.CheckAsync(compose, []));
    }

    [Fact]
    public async Task Compose_offline_profile_feeds_the_silos_from_the_emulator_and_delivers_to_the_printing_receiver()
    {
        var (variables, profiles) = RepoFiles.Offline();
        var compose = ComposeFile.Parse(RepoFiles.Compose, variables, RepoPaths.Root);

        Assert.Equal(["offline"], profiles);
        Assert.Equal(["api", "azurite", "consumer", "emulator", "receiver", "silo-1", "silo-2"], compose.Active(profiles).Select(s => s.Name).Order(StringComparer.Ordinal));
        Assert.Equal("ws://emulator:8080/subscribe", compose["silo-1"].Environment["Jetstream__Endpoints__0"]);
        Assert.Equal("http://receiver:8080/", compose["consumer"].Environment["Webhook__Url"]);
        Assert.Equal(compose["consumer"].Environment["Webhook__Secret"], compose["receiver"].Environment["Receiver__Secret"]);
        Problems.AssertNone(await ComposeChecks.CheckAsync(compose, profiles));
    }

    [Fact]
    public void Compose_refuses_to_start_without_a_webhook_URL()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ComposeFile.Parse(RepoFiles.Compose, new Dictionary<string, string>(), RepoPaths.Root));

        Assert.Contains("WEBHOOK_URL", error.Message, StringComparison.Ordinal);
    }
}
