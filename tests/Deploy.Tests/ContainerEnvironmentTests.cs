using Jetstream.Deploy.Tests.Hosts;

namespace Jetstream.Deploy.Tests;

public sealed class ContainerEnvironmentTests
{
    [Fact]
    public void Prefixed_host_variables_rank_below_appsettings_and_plain_ones_above_it()
    {
        var contentRoot = Directory.CreateTempSubdirectory("content-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(contentRoot, "appsettings.json"), """{ "Urls": "http://127.0.0.1:8081" }""");
            var environment = new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = "http://+:8080",
                ["ASPNETCORE_HTTP_PORTS"] = "8080",
                ["DOTNET_SHUTDOWNTIMEOUTSECONDS"] = "40",
                ["Queue__Name"] = "events",
            };

            var arguments = ContainerEnvironment.AsArguments(environment, contentRoot);

            // appsettings.json's Urls wins over ASPNETCORE_URLS, as in a real container; unrelated host settings stay.
            Assert.Equal(["--HTTP_PORTS=8080", "--SHUTDOWNTIMEOUTSECONDS=40", "--Queue:Name=events"], arguments);
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }
    }
}
