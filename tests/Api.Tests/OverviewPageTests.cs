using System.Net;
using Microsoft.Playwright;

namespace Jetstream.Api.Tests;

/// <summary><c>/stats/html</c> as the overview of every subscription, in headless Chromium.</summary>
[Collection(ApiClusterCollection.Name)]
public sealed class OverviewPageTests(ApiClusterFixture cluster)
{
    [Fact]
    public async Task The_overview_lists_every_subscription_and_links_to_its_own_page_with_hostile_names_as_text()
    {
        using var client = new SubscriptionClient(cluster);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var id = SubscriptionClient.NewId("page");
        var hostile = $"x{tag}.evil.<img src=x onerror=alert(1)>";
        await client.CreateOkAsync(SubscriptionClient.Body(id, [$"x{tag}.evil.*"]));
        await client.ConnectedAsync(id);
        await client.CoveredAsync(id, cluster.Emulator!.Publish(StampedEvents.Commit(hostile, "did:plc:page" + tag)));

        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };

        var response = await page.GotoAsync(new Uri(cluster.Api.BaseAddress, "/stats/html").ToString());
        Assert.Equal(200, response?.Status);
        var rows = page.GetByTestId("subscription-row");
        var ids = await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.Contains("default", ids);
        Assert.Contains(id, ids);
        var row = page.Locator($"[data-testid=subscription-row][data-id='{id}']");
        Assert.Equal("connected", await row.GetByTestId("subscription-state").TextContentAsync());
        Assert.Equal("1", await row.GetByTestId("subscription-queue").TextContentAsync());

        await row.GetByRole(AriaRole.Link).ClickAsync();
        // Not WaitForURLAsync: it waits for `load` and can miss it (microsoft/playwright-dotnet#3364, a CI run
        // timed out here after 30 s); the URL assertion polls, and the locators below wait for their elements.
        await Assertions.Expect(page).ToHaveURLAsync(
            new System.Text.RegularExpressions.Regex("subscription=" + System.Text.RegularExpressions.Regex.Escape(id)));
        Assert.Equal("Jetstream Event Processor: " + id, await page.GetByTestId("title").TextContentAsync());
        Assert.Equal(hostile, await page.GetByTestId("collection-row").Locator(".collection-name").TextContentAsync());
        Assert.Empty(dialogs);

        using var http = cluster.Api.CreateHttpClient();
        using var unknown = await http.GetAsync("/stats/html?subscription=no-such-one");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await client.Http.DeleteAsync($"/subscriptions/{id}?discard=true");
    }
}
