using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Jetstream.Api.Subscriptions;

namespace Jetstream.Api.Dashboard;

/// <summary>
/// The overview table of <c>/stats/html</c>: every subscription with its state, rate, lag, webhook circuit, queue depth and dead letters,
/// each linking to its own page; and the frames all sockets receive against the legacy hosts' per-IP cap.
/// </summary>
public static class SubscriptionOverview
{
    /// <summary>The legacy v1 hosts' rate limit per client IP, across all its sockets (PROTOCOL.md §2.8).</summary>
    public const int PerIpEventsPerSecond = 5_000;

    public static string PageUrl(string id) => ApiRoutes.StatsHtml + "?subscription=" + Uri.EscapeDataString(id);

    public static void Render(StringBuilder html, HtmlEncoder encoder, IReadOnlyList<SubscriptionResponse> subscriptions, string current)
    {
        var received = subscriptions.Sum(s => s.Status?.ReceivedPerSecond ?? 0);
        html.Append("<section class=\"panel overview\" data-testid=\"subscriptions\"><h2>Subscriptions</h2>")
            .Append("<p class=\"meta\" data-testid=\"per-ip-share\" data-value=\"").Append(received.ToString("R", CultureInfo.InvariantCulture)).Append("\">")
            .Append(encoder.Encode(string.Create(CultureInfo.InvariantCulture,
                $"All sockets together receive {DisplayFormat.Rate(received)}: {received / PerIpEventsPerSecond:P1} of the legacy hosts' cap of {PerIpEventsPerSecond:N0}/s per client IP.")))
            .Append("</p><table><thead><tr><th>Subscription</th><th>State</th><th>Events/s</th><th>Lag</th><th>Webhook</th><th>Queue</th><th>Dead letters</th></tr></thead><tbody>");
        foreach (var s in subscriptions)
        {
            var status = s.Status;
            var state = s.Lifecycle == "deleting" ? "deleting" : status?.State ?? "unknown";
            html.Append("<tr data-testid=\"subscription-row\" data-id=\"").Append(encoder.Encode(s.Id)).Append('"')
                .Append(s.Id == current ? " class=\"current\"" : string.Empty).Append("><td><a href=\"").Append(encoder.Encode(PageUrl(s.Id))).Append("\">")
                .Append(encoder.Encode(s.Id)).Append("</a></td><td data-testid=\"subscription-state\">").Append(encoder.Encode(state))
                .Append("</td><td>").Append(encoder.Encode(DisplayFormat.Rate(status?.EventsPerSecond ?? 0)))
                .Append("</td><td>").Append(encoder.Encode(DisplayFormat.Duration(status?.LagSeconds)))
                .Append("</td><td data-testid=\"subscription-circuit\" data-state=\"").Append(encoder.Encode(status?.WebhookCircuit.State ?? "unknown")).Append("\">")
                .Append(encoder.Encode(status is null ? DisplayFormat.NotAvailable : CircuitCell(status.WebhookCircuit)))
                .Append("</td><td data-testid=\"subscription-queue\">").Append(encoder.Encode(DisplayFormat.Count(status?.QueueDepth)))
                .Append("</td><td>").Append(encoder.Encode(DisplayFormat.Count(status?.DeadLetters))).Append("</td></tr>");
        }

        html.Append("</tbody></table></section>");
    }

    private static string CircuitCell(Stats.WebhookCircuitResponse circuit) =>
        circuit.State is "closed" or "unknown" || circuit.Since is not { } since
            ? DisplayFormat.Circuit(circuit.State)
            : $"{DisplayFormat.Circuit(circuit.State)} since {DisplayFormat.Time(since)}";

    public const string Styles =
        """
        .overview table { width: 100%; border-collapse: collapse; font-size: .9rem; }
        .overview th, .overview td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
        .overview tr.current td { background: #eef4fc; }
        """;
}
