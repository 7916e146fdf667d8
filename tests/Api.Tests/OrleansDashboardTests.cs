using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class OrleansDashboardTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task With_a_token_configured_the_dashboard_challenges_browsers_for_it()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Basic");
    }

    [Fact]
    public async Task Wrong_token_as_password_is_refused()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = Basic(AdminTokens.Wrong);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_token_as_Basic_password_or_Bearer_opens_the_dashboard_and_its_cluster_data()
    {
        using var http = cluster.Api.CreateHttpClient();
        foreach (var authorization in new[] { Basic(AdminTokens.Valid), new AuthenticationHeaderValue("Bearer", AdminTokens.Valid) })
        {
            using var page = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
            page.Headers.Authorization = authorization;
            using var pageResponse = await http.SendAsync(page);
            Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
            Assert.Equal("text/html", pageResponse.Content.Headers.ContentType?.MediaType);

            using var counters = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
            counters.Headers.Authorization = authorization;
            using var countersResponse = await http.SendAsync(counters);
            Assert.Equal(HttpStatusCode.OK, countersResponse.StatusCode);
            using var body = System.Text.Json.JsonDocument.Parse(await countersResponse.Content.ReadAsStringAsync());
            Assert.Equal(1, body.RootElement.GetProperty("totalActiveHostCount").GetInt32());
        }
    }

    [Fact]
    public async Task Without_a_configured_token_the_dashboard_is_open()
    {
        await using var api = cluster.StartApi(adminToken: null);
        using var http = api.CreateHttpClient();
        using var response = await http.GetAsync("/dashboard/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + password)));
}
