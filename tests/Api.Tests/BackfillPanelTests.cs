using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Jetstream.Api.Dashboard;
using Jetstream.TestSupport;
using Microsoft.Playwright;

namespace Jetstream.Api.Tests;

/// <summary>
/// The backfill panel of a subscription's page, in headless Chromium against the real Api and silo (whose relay and PLC
/// are a closed port: a run over DIDs ends with each repository failed, a run that lists at the relay keeps running).
/// </summary>
[Collection(ApiClusterCollection.Name)]
public sealed class BackfillPanelTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task Page_shows_the_backfill_figures_and_problems_and_refreshes_itself_while_one_runs()
    {
        using var client = new SubscriptionClient(cluster);
        var id = SubscriptionClient.NewId("bfpanel");
        await client.CreateOkAsync(SubscriptionClient.Body(id, ["app.example.post"]));
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        var url = new Uri(cluster.Api.BaseAddress, SubscriptionOverview.PageUrl(id)).ToString();

        await page.GotoAsync(url);
        Assert.True(await page.GetByTestId("backfill-none").IsVisibleAsync());

        // A run over two DIDs that cannot be resolved: completed, both failed, each with its reason.
        using (var started = await client.Http.PostAsJsonAsync($"/subscriptions/{id}/backfill", new JsonObject { ["dids"] = new JsonArray("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb") }))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await Eventually.HoldsAsync(async () => (await client.GetJsonAsync($"/subscriptions/{id}/backfill")).GetProperty("state").GetString() == "completed",
            TimeSpan.FromSeconds(60), "the backfill over DIDs to complete");
        await page.GotoAsync(url);
        Assert.Equal("completed", await page.GetByTestId("backfill-state").GetAttributeAsync("data-state"));
        Assert.Equal("2", await page.GetByTestId("backfill-repos-total").GetAttributeAsync("data-value"));
        Assert.Equal("0", await page.GetByTestId("backfill-repos-pending").GetAttributeAsync("data-value"));
        Assert.Equal("0", await page.GetByTestId("backfill-repos-done").GetAttributeAsync("data-value"));
        Assert.Equal("0", await page.GetByTestId("backfill-repos-skipped").GetAttributeAsync("data-value"));
        Assert.Equal("2", await page.GetByTestId("backfill-repos-failed").GetAttributeAsync("data-value"));
        Assert.Equal("0", await page.GetByTestId("backfill-records").GetAttributeAsync("data-value"));
        Assert.NotNull(await page.GetByTestId("backfill-records-per-second").GetAttributeAsync("data-value"));
        var problems = await page.GetByTestId("backfill-problem").AllTextContentsAsync();
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Contains("could not be resolved", p, StringComparison.Ordinal));
        Assert.Equal(StatsPage.RefreshSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), (await page.Locator("#countdown").TextContentAsync())?.Trim());

        // A run that lists at the relay keeps running: the page reloads itself every few seconds and so shows its
        // cancellation without being reloaded by the test.
        using (var started = await client.Http.PostAsync($"/subscriptions/{id}/backfill", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        await page.GotoAsync(url);
        Assert.Equal("running", await page.GetByTestId("backfill-state").GetAttributeAsync("data-state"));
        var countdown = int.Parse((await page.Locator("#countdown").TextContentAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(countdown, 0, BackfillPanel.RunningRefreshSeconds);
        using (var cancelled = await client.Http.DeleteAsync($"/subscriptions/{id}/backfill"))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        await page.WaitForSelectorAsync("[data-testid=backfill-state][data-state=cancelled]", new PageWaitForSelectorOptions { Timeout = 30_000 });
        Assert.Empty(errors);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }
}
