using Microsoft.Extensions.Options;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class ConfigurationTests(ApiClusterFixture cluster)
{
    [Theory]
    [InlineData("Orleans:Clustering", "Consul", "Orleans:Clustering")]
    [InlineData("Orleans:GatewayPort", "70000", "Orleans:GatewayPort")]
    [InlineData("Api:AdminToken", "short", "Api:AdminToken")]
    [InlineData("Api:OrleansDashboardUrl", "javascript:alert(1)", "Api:OrleansDashboardUrl")]
    [InlineData("Queue:Name", "Bad_Name", "Queue:Name")]
    public async Task A_bad_setting_stops_the_host_with_a_message_naming_it(string key, string value, string named)
    {
        var api = new ApiServer(new Dictionary<string, string?>(cluster.ApiSettings(AdminTokens.Valid)) { [key] = value });
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => api.BaseAddress);
            Assert.Contains(named, Flatten(error), StringComparison.Ordinal);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    private static string Flatten(Exception error) => error switch
    {
        OptionsValidationException validation => string.Join(" ", validation.Failures),
        AggregateException aggregate => string.Join(" ", aggregate.InnerExceptions.Select(Flatten)),
        { InnerException: { } inner } => error.Message + " " + Flatten(inner),
        _ => error.Message,
    };
}
