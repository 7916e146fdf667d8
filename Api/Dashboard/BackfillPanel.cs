using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Jetstream.Api.Backfill;

namespace Jetstream.Api.Dashboard;

/// <summary>
/// The backfill's progress on a subscription's page: state, repositories (total, pending, done, skipped, failed),
/// records, records per second and the first problems; the figures of <c>GET /subscriptions/{id}/backfill</c>. While a
/// run goes the page reloads every <see cref="RunningRefreshSeconds"/> instead of every <see cref="StatsPage.RefreshSeconds"/>.
/// </summary>
public static class BackfillPanel
{
    public const int RunningRefreshSeconds = 2;

    /// <summary>Problems shown on the page; the route gives the first 1,000.</summary>
    public const int ProblemsShown = 10;

    public static int RefreshSeconds(BackfillResponse? backfill) => backfill?.State == "running" ? RunningRefreshSeconds : StatsPage.RefreshSeconds;

    public static void Render(StringBuilder html, HtmlEncoder encoder, BackfillResponse? backfill)
    {
        html.Append("<section class=\"panel connection\" data-testid=\"backfill\"><h2>Backfill</h2>");
        if (backfill is null)
        {
            html.Append("<p class=\"empty\" data-testid=\"backfill-none\">No backfill has run. Start one with POST /subscriptions/{id}/backfill.</p></section>");
            return;
        }

        var stateClass = backfill.State switch { "running" => "warn", "completed" => "ok", _ => "bad" };
        html.Append("<p><span class=\"badge ").Append(stateClass).Append("\" data-testid=\"backfill-state\" data-state=\"")
            .Append(encoder.Encode(backfill.State)).Append("\">").Append(encoder.Encode(backfill.State)).Append("</span></p><dl>");
        Detail(html, encoder, "backfill-started", "Started", DisplayFormat.Time(backfill.StartedAt), null);
        Detail(html, encoder, "backfill-completed", "Ended", backfill.CompletedAt is null ? "—" : DisplayFormat.Time(backfill.CompletedAt), null);
        var repos = backfill.Repos;
        Detail(html, encoder, "backfill-repos-total", "Repositories", DisplayFormat.Count(repos.Total), repos.Total);
        Detail(html, encoder, "backfill-repos-pending", "Pending", DisplayFormat.Count(repos.Pending), repos.Pending);
        Detail(html, encoder, "backfill-repos-done", "Done", DisplayFormat.Count(repos.Done), repos.Done);
        Detail(html, encoder, "backfill-repos-skipped", "Skipped", DisplayFormat.Count(repos.Skipped), repos.Skipped);
        Detail(html, encoder, "backfill-repos-failed", "Failed", DisplayFormat.Count(repos.Failed), repos.Failed);
        Detail(html, encoder, "backfill-records", "Records", DisplayFormat.Count(backfill.Records), backfill.Records);
        html.Append("<div><dt>Records per second</dt><dd data-testid=\"backfill-records-per-second\" data-value=\"")
            .Append(backfill.RecordsPerSecond.ToString("R", CultureInfo.InvariantCulture)).Append("\">")
            .Append(encoder.Encode(DisplayFormat.Rate(backfill.RecordsPerSecond))).Append("</dd></div></dl>");

        if (backfill.Problems.Count > 0)
        {
            html.Append("<h3>First problems</h3><ol class=\"collection-list\" data-testid=\"backfill-problems\">");
            foreach (var problem in backfill.Problems.Take(ProblemsShown))
            {
                html.Append("<li class=\"collection-item\" data-testid=\"backfill-problem\"><span class=\"collection-name\">")
                    .Append(encoder.Encode(problem.Did)).Append(": ").Append(encoder.Encode(problem.Reason))
                    .Append("</span><strong class=\"collection-count\">").Append(encoder.Encode(problem.State)).Append("</strong></li>");
            }

            html.Append("</ol>");
        }

        html.Append("</section>");
    }

    private static void Detail(StringBuilder html, HtmlEncoder encoder, string testId, string label, string value, long? raw)
    {
        html.Append("<div><dt>").Append(encoder.Encode(label)).Append("</dt><dd data-testid=\"").Append(testId).Append('"');
        if (raw is { } number)
        {
            html.Append(" data-value=\"").Append(number.ToString(CultureInfo.InvariantCulture)).Append('"');
        }

        html.Append('>').Append(encoder.Encode(value)).Append("</dd></div>");
    }
}
