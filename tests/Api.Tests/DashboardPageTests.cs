using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Jetstream.Api.Tests;

[Collection(ApiClusterCollection.Name)]
public sealed class DashboardPageTests(ApiClusterFixture cluster)
{
    private const string ScriptCollection = "<script>alert(1)</script>";

    [Fact]
    public async Task Dashboard_matches_stats_shows_markup_as_text_refreshes_and_logs_no_errors()
    {
        await cluster.PublishAndWaitAsync(
        [
            .. Enumerable.Range(0, 12).Select(_ => TestEvents.Commit("work.doing.task")),
            .. Enumerable.Range(0, 5).Select(_ => TestEvents.Commit("blue.2048.game")),
            .. Enumerable.Range(0, 3).Select(_ => TestEvents.Commit("app.bsky.feed.like")),
            // Enough to stay among the chart's six largest collections whatever other tests of the fixture published.
            .. Enumerable.Range(0, 60).Select(_ => TestEvents.Commit(ScriptCollection)),
            TestEvents.Identity(),
            TestEvents.Identity(),
        ]);
        var (playwright, browser) = await Browser.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var errors = new List<string>();
        var dialogs = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                errors.Add($"{message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => errors.Add("page error: " + error);
        page.RequestFailed += (_, request) => errors.Add("request failed: " + request.Url);
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        var external = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(cluster.Api.BaseAddress.ToString(), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                external.Add(request.Url);
            }
        };

        using var http = cluster.Api.CreateHttpClient();
        // The page must show one consistent snapshot; other tests' events leaving the one-minute rate window can move
        // the figures while it loads, so it is loaded again (a few times at most) until nothing moved meanwhile.
        JsonDocument before, after;
        IResponse? response;
        var attempts = 0;
        do
        {
            before = await StatsAsync(http);
            response = await page.GotoAsync(new Uri(cluster.Api.BaseAddress, "/stats/html").ToString());
            after = await StatsAsync(http);
        }
        while (Stable(before) != Stable(after) && ++attempts < 5);

        Assert.Equal(200, response?.Status);
        Assert.Equal(Stable(before), Stable(after));
        var stats = after.RootElement;

        await AssertCardAsync(page, "total-events", Count(stats, "totalEvents"));
        await AssertCardAsync(page, "total-received", Count(stats, "totalReceived"));
        await AssertCardAsync(page, "efficiency", Efficiency(stats));
        await AssertCardAsync(page, "unique-collections", stats.GetProperty("eventCounts").EnumerateObject().Count().ToString("N0", CultureInfo.InvariantCulture));
        await AssertCardAsync(page, "last-event-time", Time(stats, "lastEventTime"));
        await AssertCardAsync(page, "last-processed", Time(stats, "lastProcessedAt"));
        await AssertCardAsync(page, "events-per-second", stats.GetProperty("eventsPerSecond").GetDouble().ToString("0.00", CultureInfo.InvariantCulture) + "/s");
        await AssertCardAsync(page, "queue-depth", Count(stats, "queueDepth"));
        await AssertCardAsync(page, "dead-letters", Count(stats, "deadLetterCount"));
        var lag = await page.GetByTestId("lag").Locator(".stat-value").GetAttributeAsync("data-value");
        if (stats.GetProperty("lagSeconds").ValueKind == JsonValueKind.Null)
        {
            Assert.Null(lag);
        }
        else
        {
            Assert.InRange(double.Parse(lag!, CultureInfo.InvariantCulture), stats.GetProperty("lagSeconds").GetDouble() - 5, stats.GetProperty("lagSeconds").GetDouble() + 5);
        }

        using (var status = JsonDocument.Parse(await http.GetStringAsync("/status")))
        {
            var state = await page.GetByTestId("connection-state").GetAttributeAsync("data-state");
            Assert.Equal(status.RootElement.GetProperty("state").GetString(), JsonNamingPolicy.CamelCase.ConvertName(state!));
        }

        var expectedRows = stats.GetProperty("eventCounts").EnumerateObject()
            .OrderByDescending(p => p.Value.GetInt64()).ThenBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => (p.Name, p.Value.GetInt64().ToString("N0", CultureInfo.InvariantCulture)))
            .ToList();
        var rows = page.GetByTestId("collection-row");
        Assert.Equal(expectedRows.Count, await rows.CountAsync());
        for (var i = 0; i < expectedRows.Count; i++)
        {
            Assert.Equal(expectedRows[i].Name, await rows.Nth(i).Locator(".collection-name").TextContentAsync());
            Assert.Equal(expectedRows[i].Item2, await rows.Nth(i).Locator(".collection-count").TextContentAsync());
        }

        Assert.Contains(expectedRows, row => row.Name == ScriptCollection);
        Assert.Equal(1, await page.Locator("script").CountAsync());
        Assert.Contains(ScriptCollection, await page.GetByTestId("chart-legend").TextContentAsync(), StringComparison.Ordinal);
        Assert.True(await page.GetByTestId("events-chart").Locator("rect").CountAsync() > 0);
        Assert.Equal("/dashboard/", await page.GetByTestId("orleans-dashboard-link").GetAttributeAsync("href"));

        var shotDirectory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(shotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shotDirectory, "dashboard.png"), FullPage = true });

        var generatedBefore = await page.GetByTestId("generated-at").GetAttributeAsync("datetime");
        await page.RunAndWaitForResponseAsync(() => page.GetByTestId("refresh").ClickAsync(), r => r.Url.EndsWith("/stats/html", StringComparison.Ordinal));
        // Waits for the reloaded page's stamp, not for the "load" state: Playwright can miss a load event that fires
        // between its check of the state and its subscription (a fresh-clone run timed out after 30 s with the page
        // loaded and network idle).
        await Assertions.Expect(page.GetByTestId("generated-at")).Not.ToHaveAttributeAsync("datetime", generatedBefore!);
        await AssertCardAsync(page, "total-events", Count(stats, "totalEvents"));

        await page.SetViewportSizeAsync(375, 800);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow}px wider than a 375px phone screen.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shotDirectory, "dashboard-phone.png"), FullPage = true });

        Assert.Empty(dialogs);
        Assert.Empty(errors);
        Assert.Empty(external);
    }

    private static async Task AssertCardAsync(IPage page, string testId, string expected) =>
        Assert.Equal(expected, await page.GetByTestId(testId).Locator(".stat-value").TextContentAsync());

    private static async Task<JsonDocument> StatsAsync(HttpClient http) => JsonDocument.Parse(await http.GetStringAsync("/stats"));

    /// <summary>The stats without the values that move by themselves (lag grows with the clock).</summary>
    private static string Stable(JsonDocument stats) =>
        JsonSerializer.Serialize(stats.RootElement.EnumerateObject().Where(p => p.Name != "lagSeconds").ToDictionary(p => p.Name, p => p.Value));

    private static string Count(JsonElement stats, string name) =>
        stats.GetProperty(name).ValueKind == JsonValueKind.Null ? "N/A" : stats.GetProperty(name).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static string Efficiency(JsonElement stats)
    {
        var processed = stats.GetProperty("totalEvents").GetInt64();
        var received = stats.GetProperty("totalReceived").GetInt64();
        return received == 0 ? "0%" : (100.0 * processed / received).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    }

    private static string Time(JsonElement stats, string name) =>
        stats.GetProperty(name).ValueKind == JsonValueKind.Null
            ? "N/A"
            : DateTimeOffset.Parse(stats.GetProperty(name).GetString()!, CultureInfo.InvariantCulture).ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
