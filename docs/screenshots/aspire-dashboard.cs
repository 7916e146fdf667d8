#:package Microsoft.Playwright
#:property PublishAot=false
// Playwright serializes its protocol with reflection, which a file-based app (native AOT by default) turns off.
//
// Takes the Aspire dashboard pictures of docs/run.md from a running offline AppHost: docs/aspire-resources.png (every
// resource, healthy) and docs/aspire-trace.png (the trace of one event). From the repository root:
//   ./run.sh --offline                                              (in another terminal; wait for its banner)
//   dotnet run docs/screenshots/aspire-dashboard.cs -- '<the Aspire dashboard login URL it printed>'
// Needs Debian's Chromium (/usr/bin/chromium, or CHROMIUM=<path>).
using Microsoft.Playwright;

if (args.Length is < 1 or > 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var login))
{
    Console.Error.WriteLine("usage: dotnet run docs/screenshots/aspire-dashboard.cs -- <dashboard login URL, http://127.0.0.1:18888/login?t=...> [folder, default docs]");
    return 2;
}

var folder = Path.GetFullPath(args.Length == 2 ? args[1] : "docs");
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new()
{
    ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium",
    Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });

// The login URL signs the browser in and opens the resources page.
await page.GotoAsync(login.ToString());
await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "webhook-consumer" }).First.WaitForAsync();
await page.GetByText("Running").First.WaitForAsync();
await Save("aspire-resources.png");

// The traces page, by root span name. The newest traces are still waiting for the consumer's spans (it exports them
// in batches), so open one that already shows them.
await page.GotoAsync(new Uri(login, "/traces").ToString());
await page.GetByTitle("Name filter").Locator("input").FillAsync("jetstream.receive");
var delivered = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "webhook-consumer" }).First;
await delivered.WaitForAsync(new() { Timeout = 60_000 });
await delivered.GetByText("jetstream.receive").ClickAsync();
await page.GetByText("HTTP POST").First.WaitForAsync();
await Save("aspire-trace.png");
return 0;

async Task Save(string name)
{
    var path = Path.Combine(folder, name);
    await page.ScreenshotAsync(new() { Path = path });
    Console.WriteLine($"{path}: {page.Url}");
}
