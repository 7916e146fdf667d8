using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class AdminAuthTests(ApiClusterFixture cluster)
{
    [Theory]
    [InlineData("/reset")]
    [InlineData("/reconnect")]
    public async Task Post_without_a_token_is_401_with_a_Bearer_challenge(string path)
    {
        using var http = cluster.Api.CreateHttpClient();
        using var response = await http.PostAsync(path, null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
    }

    [Theory]
    [InlineData("/reset")]
    [InlineData("/reconnect")]
    public async Task Post_with_a_wrong_token_is_401_invalid_token(string path)
    {
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Wrong);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_with_the_token_as_Basic_credentials_is_refused()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reset");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminTokens.Valid)));
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Reset_with_the_token_zeroes_the_counters_and_answers_the_original_message()
    {
        await cluster.PublishAndWaitAsync([TestEvents.Commit("work.doing.task")]);
        var cursorBefore = (await cluster.Processor.GetStats()).Cursor;
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reset");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"message":"Stats reset successfully"}""", Compact(await response.Content.ReadAsStringAsync()));
        using var stats = JsonDocument.Parse(await http.GetStringAsync("/stats"));
        Assert.Equal(0, stats.RootElement.GetProperty("totalEvents").GetInt64());
        Assert.Empty(stats.RootElement.GetProperty("eventCounts").EnumerateObject());
        Assert.Equal(cursorBefore, stats.RootElement.GetProperty("cursor").GetInt64());
    }

    [Fact]
    public async Task Reconnect_with_the_token_answers_the_original_message()
    {
        using var http = cluster.Api.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/reconnect");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"message":"Reconnection initiated"}""", Compact(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Without_a_configured_token_every_post_is_403_naming_the_setting()
    {
        await using var api = cluster.StartApi(adminToken: null);
        using var http = api.CreateHttpClient();
        await cluster.PublishAndWaitAsync([TestEvents.Commit("work.doing.task")]);
        var statsBefore = await cluster.Processor.GetStats();

        foreach (var path in new[] { "/reset", "/reconnect" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminTokens.Valid);
            using var response = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var detail = problem.RootElement.GetProperty("detail").GetString();
            Assert.Contains("Api:AdminToken", detail, StringComparison.Ordinal);
            Assert.Contains("Api__AdminToken", detail, StringComparison.Ordinal);
        }

        // Nothing was reset.
        Assert.True((await cluster.Processor.GetStats()).TotalEvents >= statsBefore.TotalEvents);
    }

    private static string Compact(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
