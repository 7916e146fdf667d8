using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Jetstream.Api.Backfill;
using Jetstream.Api.Stats;
using Jetstream.Api.Subscriptions;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Dashboard;

/// <summary>
/// The <c>/stats/html</c> page, rendered on the server. Every value goes through <see cref="HtmlEncoder"/>; the only
/// script (carrying the CSP nonce) reloads the page and touches the DOM through <c>textContent</c> alone.
/// Each card has a stable <c>data-testid</c> so tests and scripts can find it.
/// </summary>
public static class StatsPage
{
    public const int RefreshSeconds = 30;

    /// <param name="subscriptionId">Whose page this is; the title names it unless it is <c>default</c>.</param>
    /// <param name="overview">Every subscription, shown above the page's own figures; null leaves the overview out.</param>
    /// <param name="backfill">The subscription's backfill, shown in its own panel; null when none ever ran.</param>
    public static string Render(
        StatsResponse stats,
        ConnectionStatus status,
        string orleansDashboardUrl,
        DateTimeOffset now,
        string nonce,
        string subscriptionId = IJetstreamProcessorGrain.DefaultKey,
        IReadOnlyList<SubscriptionResponse>? overview = null,
        BackfillResponse? backfill = null)
    {
        var encoder = HtmlEncoder.Default;
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>Jetstream Statistics</title><link rel=\"icon\" href=\"data:,\">")
            .Append("<style nonce=\"").Append(nonce).Append("\">").Append(Styles).Append(SubscriptionOverview.Styles).Append("</style></head><body><main class=\"container\">");

        var title = subscriptionId == IJetstreamProcessorGrain.DefaultKey ? "Jetstream Event Processor" : "Jetstream Event Processor: " + subscriptionId;
        html.Append("<header class=\"page-header\"><h1 data-testid=\"title\">").Append(encoder.Encode(title)).Append("</h1><div class=\"actions\">")
            .Append("<button id=\"refresh\" class=\"refresh-btn\" type=\"button\" data-testid=\"refresh\">Refresh Stats</button>")
            .Append("<a class=\"dashboard-link\" data-testid=\"orleans-dashboard-link\" href=\"").Append(encoder.Encode(orleansDashboardUrl))
            .Append("\">Orleans Dashboard</a></div>")
            .Append("<p class=\"meta\">Updated <time data-testid=\"generated-at\" datetime=\"").Append(encoder.Encode(now.ToString("O")))
            .Append("\">").Append(encoder.Encode(DisplayFormat.Time(now))).Append("</time> · next refresh in <span id=\"countdown\">")
            .Append(BackfillPanel.RefreshSeconds(backfill)).Append("</span> s</p></header>");

        if (overview is not null)
        {
            SubscriptionOverview.Render(html, encoder, overview, subscriptionId);
        }

        RenderConnection(html, encoder, status);
        RenderCircuit(html, encoder, stats.WebhookCircuit);
        BackfillPanel.Render(html, encoder, backfill);

        html.Append("<section class=\"stat-grid\" aria-label=\"Statistics\">");
        Card(html, encoder, "total-events", "Commit Events Processed", DisplayFormat.Count(stats.TotalEvents), stats.TotalEvents.ToString());
        Card(html, encoder, "total-received", "Total Events Received", DisplayFormat.Count(stats.TotalReceived), stats.TotalReceived.ToString());
        Card(html, encoder, "efficiency", "Processing Efficiency", DisplayFormat.Efficiency(stats.TotalEvents, stats.TotalReceived), null);
        Card(html, encoder, "unique-collections", "Unique Collections", DisplayFormat.Count(stats.EventCounts.Count), stats.EventCounts.Count.ToString());
        Card(html, encoder, "last-event-time", "Last Event Time", DisplayFormat.Time(stats.LastEventTime), stats.LastEventTime?.ToString("O"));
        Card(html, encoder, "last-processed", "Last Processed", DisplayFormat.Time(stats.LastProcessedAt), stats.LastProcessedAt?.ToString("O"));
        Card(html, encoder, "events-per-second", "Events per Second (1 min)", DisplayFormat.Rate(stats.EventsPerSecond), stats.EventsPerSecond.ToString("R", CultureInfo.InvariantCulture));
        Card(html, encoder, "lag", "Lag Behind Jetstream", DisplayFormat.Duration(stats.LagSeconds), stats.LagSeconds?.ToString("R", CultureInfo.InvariantCulture));
        Card(html, encoder, "queue-depth", "Queue Depth (messages)", DisplayFormat.Count(stats.QueueDepth), stats.QueueDepth?.ToString());
        Card(html, encoder, "dead-letters", "Dead Letters", DisplayFormat.Count(stats.DeadLetterCount), stats.DeadLetterCount?.ToString());
        html.Append("</section>");

        html.Append("<section class=\"panel\"><h2>Events per Minute, Last Hour</h2>");
        EventsChart.Render(html, encoder, stats.RecentMinutes, now);
        html.Append("</section>");

        RenderCollections(html, encoder, stats.EventCounts);

        html.Append("</main><script nonce=\"").Append(nonce).Append("\">").Append(Script).Append("</script></body></html>");
        return html.ToString();
    }

    private static void Card(StringBuilder html, HtmlEncoder encoder, string testId, string label, string value, string? rawValue)
    {
        html.Append("<div class=\"stat-card\" data-testid=\"").Append(testId).Append("\"><div class=\"stat-value\"");
        if (rawValue is not null)
        {
            html.Append(" data-value=\"").Append(encoder.Encode(rawValue)).Append('"');
        }

        html.Append('>').Append(encoder.Encode(value)).Append("</div><div class=\"stat-label\">").Append(encoder.Encode(label)).Append("</div></div>");
    }

    private static void RenderConnection(StringBuilder html, HtmlEncoder encoder, ConnectionStatus status)
    {
        var stateClass = status.Connected ? "ok" : status.State is ConnectionState.ConfigurationError or ConnectionState.PausedQueueUnavailable ? "bad" : "warn";
        html.Append("<section class=\"panel connection\" data-testid=\"connection\"><h2>Connection</h2>")
            .Append("<p><span class=\"badge ").Append(stateClass).Append("\" data-testid=\"connection-state\" data-state=\"")
            .Append(encoder.Encode(status.State.ToString())).Append("\">").Append(encoder.Encode(DisplayFormat.State(status.State))).Append("</span></p><dl>");
        Detail(html, encoder, "endpoint", "Endpoint", status.Endpoint ?? DisplayFormat.NotAvailable);
        Detail(html, encoder, "wire", "Wire", status.Wire ?? DisplayFormat.NotAvailable);
        Detail(html, encoder, "compression", "Compression", status.Compression ?? DisplayFormat.NotAvailable);
        Detail(html, encoder, "bytes", "Bytes (wire / decoded)",
            $"{DisplayFormat.Count(status.WireBytes)} / {DisplayFormat.Count(status.DecodedBytes)}{(status.CompressionRatio is { } ratio ? " (×" + ratio.ToString("0.00", CultureInfo.InvariantCulture) + ")" : "")}");
        Detail(html, encoder, "gaps", "Gaps", status.Gaps.IsDefaultOrEmpty ? "none" : string.Join("; ", status.Gaps.TakeLast(3).Select(g => $"{g.Reason} {g.From}→{g.To} {g.Unit} at {DisplayFormat.Time(g.DetectedAt)}")));
        Detail(html, encoder, "connected-since", "Connected since", DisplayFormat.Time(status.ConnectedSince));
        Detail(html, encoder, "last-message-at", "Last message", DisplayFormat.Time(status.LastMessageAt));
        Detail(html, encoder, "reconnect-attempts", "Reconnect attempts", DisplayFormat.Count(status.ReconnectAttempts));
        if (status.NextAttemptAt is { } next)
        {
            Detail(html, encoder, "next-attempt-at", "Next attempt", DisplayFormat.Time(next));
        }

        Detail(html, encoder, "last-error", "Last error", status.LastError is null ? "none" : $"{status.LastError} ({DisplayFormat.Time(status.LastErrorAt)})");
        html.Append("</dl></section>");
    }

    /// <summary>The webhook endpoint's circuit: whether the consumers send to it, since when, and what failed last.</summary>
    private static void RenderCircuit(StringBuilder html, HtmlEncoder encoder, WebhookCircuitResponse circuit)
    {
        var stateClass = circuit.State switch { "closed" => "ok", "open" => "bad", _ => "warn" };
        html.Append("<section class=\"panel connection\" data-testid=\"webhook-circuit\"><h2>Webhook Endpoint</h2>")
            .Append("<p><span class=\"badge ").Append(stateClass).Append("\" data-testid=\"circuit-state\" data-state=\"")
            .Append(encoder.Encode(circuit.State)).Append("\">").Append(encoder.Encode(DisplayFormat.Circuit(circuit.State))).Append("</span></p><dl>");
        Detail(html, encoder, "circuit-since", "Since", DisplayFormat.Time(circuit.Since));
        if (circuit.NextProbeAt is { } probe)
        {
            Detail(html, encoder, "circuit-next-probe", "Next probe", DisplayFormat.Time(probe));
        }

        Detail(html, encoder, "circuit-last-error", "Last endpoint error",
            circuit.Error is { } error ? "state unknown: " + error
            : circuit.LastError is null ? "none" : $"{circuit.LastError} ({DisplayFormat.Time(circuit.LastErrorAt)})");
        Detail(html, encoder, "circuit-consumers", "Consumers reporting", DisplayFormat.Count(circuit.Consumers));
        html.Append("</dl></section>");
    }

    private static void Detail(StringBuilder html, HtmlEncoder encoder, string testId, string label, string value) =>
        html.Append("<div><dt>").Append(encoder.Encode(label)).Append("</dt><dd data-testid=\"").Append(testId).Append("\">")
            .Append(encoder.Encode(value)).Append("</dd></div>");

    private static void RenderCollections(StringBuilder html, HtmlEncoder encoder, IReadOnlyDictionary<string, long> eventCounts)
    {
        html.Append("<section class=\"panel collections\"><h2>Events by Collection</h2>");
        if (eventCounts.Count == 0)
        {
            html.Append("<p class=\"empty\">No commits processed yet.</p></section>");
            return;
        }

        html.Append("<ol class=\"collection-list\" data-testid=\"collections\">");
        foreach (var (collection, count) in eventCounts.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal))
        {
            html.Append("<li class=\"collection-item\" data-testid=\"collection-row\"><span class=\"collection-name\">").Append(encoder.Encode(collection))
                .Append("</span><strong class=\"collection-count\">").Append(encoder.Encode(DisplayFormat.Count(count))).Append("</strong></li>");
        }

        html.Append("</ol></section>");
    }

    private static readonly string Script =
        $$"""
        (() => {
          const reload = () => window.location.reload();
          document.getElementById('refresh').addEventListener('click', reload);
          const countdown = document.getElementById('countdown');
          // The server sets the first value: shorter while a backfill runs.
          let remaining = Number(countdown.textContent) || {{RefreshSeconds}};
          window.setInterval(() => {
            remaining = Math.max(0, remaining - 1);
            countdown.textContent = String(remaining);
            if (remaining === 0) { reload(); }
          }, 1000);
        })();
        """;

    private const string Styles =
        """
        :root { color-scheme: light; --accent: #0b62c4; --muted: #5b6470; --card: #f6f8fa; --line: #d0d4d9; }
        * { box-sizing: border-box; }
        body { margin: 0; padding: 1rem; background: #eef1f4; color: #1d2329;
               font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; line-height: 1.4; }
        .container { max-width: 980px; margin: 0 auto; background: #fff; border-radius: 10px; padding: 1.5rem;
                     box-shadow: 0 2px 6px rgba(0,0,0,.08); }
        h1 { margin: 0; font-size: 1.6rem; }
        h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
        .page-header { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; justify-content: space-between; margin-bottom: 1rem; }
        .actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
        .meta { flex-basis: 100%; margin: 0; color: var(--muted); font-size: .85rem; }
        .refresh-btn { background: var(--accent); color: #fff; border: 0; padding: .55rem 1rem; border-radius: 6px; cursor: pointer; font-size: .95rem; }
        .refresh-btn:hover, .refresh-btn:focus-visible { background: #084a94; }
        .dashboard-link { color: var(--accent); font-weight: 600; }
        .panel { margin-top: 1.25rem; }
        .stat-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(10.5rem, 1fr)); gap: .75rem; margin-top: 1.25rem; }
        .stat-card { background: var(--card); padding: .85rem 1rem; border-radius: 8px; border-left: 4px solid var(--accent); min-width: 0; }
        .stat-value { font-size: 1.35rem; font-weight: 700; color: var(--accent); overflow-wrap: anywhere; }
        .stat-label { color: var(--muted); font-size: .85rem; }
        .badge { display: inline-block; padding: .2rem .7rem; border-radius: 999px; font-weight: 700; font-size: .9rem; }
        .badge.ok { background: #dcf5e3; color: #16653a; }
        .badge.warn { background: #fff1cc; color: #7a5400; }
        .badge.bad { background: #fde0e0; color: #9b1c1c; }
        .connection dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .5rem 1rem; margin: .5rem 0 0; }
        .connection dt { color: var(--muted); font-size: .8rem; }
        .connection dd { margin: 0; overflow-wrap: anywhere; }
        .chart { width: 100%; height: auto; display: block; background: var(--card); border-radius: 8px; }
        .chart .axis { font-size: 11px; fill: var(--muted); }
        .chart .axis-time { fill: #8a929b; }
        .chart .chart-empty { font-size: 14px; fill: var(--muted); }
        .legend { list-style: none; padding: 0; margin: .6rem 0 0; display: flex; flex-wrap: wrap; gap: .35rem 1rem; font-size: .85rem; }
        .legend li { display: flex; align-items: center; gap: .35rem; min-width: 0; }
        .legend-name { overflow-wrap: anywhere; }
        .legend-total { color: var(--muted); }
        .swatch { width: .8rem; height: .8rem; flex: none; }
        .collection-list { list-style: none; padding: 0; margin: 0; }
        .collection-item { display: flex; justify-content: space-between; gap: 1rem; padding: .5rem .75rem; margin: .25rem 0;
                           background: #e9edf1; border-radius: 6px; }
        .collection-name { overflow-wrap: anywhere; min-width: 0; }
        .empty { color: var(--muted); }
        @media (max-width: 480px) {
          body { padding: 0; }
          .container { border-radius: 0; padding: 1rem; box-shadow: none; }
          h1 { font-size: 1.3rem; }
          .stat-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
          .stat-value { font-size: 1.1rem; }
          .chart .axis { font-size: 22px; }
          .chart .axis-time { display: none; }
        }
        """;
}
