using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Dashboard;

/// <summary>
/// Commits per minute over the last hour, stacked by collection, as inline SVG drawn on the server: the page needs no
/// script library or CDN, and every collection name passes through the HTML encoder like any other value.
/// </summary>
public static class EventsChart
{
    public const int Minutes = 60;

    /// <summary>Collections drawn in their own colour; the rest share "other".</summary>
    public const int MaxSeries = 6;

    public const string OtherSeries = "other";

    private const double Width = 720;
    private const double Height = 240;
    private const double Left = 44;
    private const double Right = 8;
    private const double Top = 12;
    private const double Bottom = 28;

    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1", "#9c9c9c"];

    public static void Render(StringBuilder html, HtmlEncoder encoder, ImmutableArray<MinuteBucket> buckets, DateTimeOffset now)
    {
        var lastMinute = TruncateToMinute(now.ToUniversalTime());
        var firstMinute = lastMinute.AddMinutes(-(Minutes - 1));
        var slots = new Dictionary<string, long>[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            slots[i] = [];
        }

        foreach (var bucket in buckets)
        {
            var index = (int)Math.Round((TruncateToMinute(bucket.Minute.ToUniversalTime()) - firstMinute).TotalMinutes);
            if (index is >= 0 and < Minutes)
            {
                foreach (var (collection, count) in bucket.Counts)
                {
                    slots[index][collection] = slots[index].GetValueOrDefault(collection) + count;
                }
            }
        }

        var totals = slots.SelectMany(slot => slot)
            .GroupBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(group => (Collection: group.Key, Total: group.Sum(pair => pair.Value)))
            .OrderByDescending(series => series.Total)
            .ThenBy(series => series.Collection, StringComparer.Ordinal)
            .ToList();
        var named = totals.Take(totals.Count > MaxSeries + 1 ? MaxSeries : MaxSeries + 1).ToList();
        var series = named.Select(s => s.Collection).ToList();
        var otherTotal = totals.Skip(named.Count).Sum(s => s.Total);
        if (otherTotal > 0)
        {
            series.Add(OtherSeries);
        }

        var stacked = slots.Select(slot => Stack(slot, named.Count, series)).ToArray();
        var peak = stacked.Max(values => values.Sum());
        var scaleMax = NiceCeiling(peak);

        html.Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" data-testid=\"events-chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-labelledby=\"chart-title\" preserveAspectRatio=\"xMidYMid meet\">");
        html.Append("<title id=\"chart-title\">Commits per minute over the last hour, by collection</title>");
        RenderAxes(html, scaleMax, firstMinute);

        if (peak == 0)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" class=\"chart-empty\">No commits in the last hour</text>");
        }
        else
        {
            RenderBars(html, encoder, stacked, series, scaleMax, firstMinute);
        }

        html.Append("</svg>");
        RenderLegend(html, encoder, series, named, otherTotal);
    }

    private static long[] Stack(Dictionary<string, long> slot, int namedCount, List<string> series)
    {
        var values = new long[series.Count];
        for (var i = 0; i < namedCount; i++)
        {
            values[i] = slot.GetValueOrDefault(series[i]);
        }

        if (series.Count > namedCount)
        {
            values[namedCount] = slot.Where(pair => !series.Take(namedCount).Contains(pair.Key, StringComparer.Ordinal)).Sum(pair => pair.Value);
        }

        return values;
    }

    private static void RenderAxes(StringBuilder html, long scaleMax, DateTimeOffset firstMinute)
    {
        var plotHeight = Height - Top - Bottom;
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            var y = Top + plotHeight * (1 - fraction);
            var label = ((long)Math.Round(scaleMax * fraction)).ToString("N0", CultureInfo.InvariantCulture);
            html.Append(CultureInfo.InvariantCulture,
                $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y:0.##}\" y2=\"{y:0.##}\" stroke=\"#d0d4d9\" stroke-width=\"1\"/>");
            html.Append(CultureInfo.InvariantCulture,
                $"<text class=\"axis\" x=\"{Left - 6}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{label}</text>");
        }

        var slotWidth = (Width - Left - Right) / Minutes;
        foreach (var minutesAgo in new[] { 59, 45, 30, 15, 0 })
        {
            var index = Minutes - 1 - minutesAgo;
            var x = Left + slotWidth * (index + 0.5);
            var label = minutesAgo == 0 ? "now" : $"-{minutesAgo} min";
            var time = firstMinute.AddMinutes(index).ToString("HH:mm", CultureInfo.InvariantCulture);
            // The outermost labels hug the plot's edges so they are not clipped by the viewBox.
            var (anchorX, anchor) = minutesAgo switch
            {
                59 => (Left + slotWidth * index, "start"),
                0 => (Width - Right, "end"),
                _ => (x, "middle"),
            };
            html.Append(CultureInfo.InvariantCulture,
                $"<text class=\"axis\" x=\"{anchorX:0.##}\" y=\"{Height - 8}\" text-anchor=\"{anchor}\">{label} <tspan class=\"axis-time\">{time}</tspan></text>");
        }
    }

    private static void RenderBars(StringBuilder html, HtmlEncoder encoder, long[][] stacked, List<string> series, long scaleMax, DateTimeOffset firstMinute)
    {
        var plotHeight = Height - Top - Bottom;
        var slotWidth = (Width - Left - Right) / Minutes;
        for (var index = 0; index < stacked.Length; index++)
        {
            var x = Left + slotWidth * index + 1;
            var baseline = Top + plotHeight;
            var minute = firstMinute.AddMinutes(index).ToString("HH:mm", CultureInfo.InvariantCulture);
            for (var s = 0; s < series.Count; s++)
            {
                var count = stacked[index][s];
                if (count == 0)
                {
                    continue;
                }

                var height = plotHeight * count / scaleMax;
                baseline -= height;
                html.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{x:0.##}\" y=\"{baseline:0.##}\" width=\"{slotWidth - 2:0.##}\" height=\"{height:0.##}\" fill=\"{Palette[s]}\"><title>");
                html.Append(encoder.Encode(series[s]));
                html.Append(CultureInfo.InvariantCulture, $": {count:N0} at {minute} UTC</title></rect>");
            }
        }
    }

    private static void RenderLegend(StringBuilder html, HtmlEncoder encoder, List<string> series, List<(string Collection, long Total)> named, long otherTotal)
    {
        if (series.Count == 0)
        {
            return;
        }

        html.Append("<ul class=\"legend\" data-testid=\"chart-legend\">");
        for (var s = 0; s < series.Count; s++)
        {
            var total = s < named.Count ? named[s].Total : otherTotal;
            html.Append(CultureInfo.InvariantCulture,
                $"<li><svg class=\"swatch\" viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" height=\"10\" rx=\"2\" fill=\"{Palette[s]}\"/></svg><span class=\"legend-name\">");
            html.Append(encoder.Encode(series[s]));
            html.Append(CultureInfo.InvariantCulture, $"</span> <span class=\"legend-total\">{total:N0}</span></li>");
        }

        html.Append("</ul>");
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/> (and at least 1).</summary>
    private static long NiceCeiling(long value)
    {
        if (value <= 1)
        {
            return 1;
        }

        var magnitude = 1L;
        while (magnitude * 10 <= value)
        {
            magnitude *= 10;
        }

        foreach (var step in new[] { 1L, 2L, 5L, 10L })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static DateTimeOffset TruncateToMinute(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMinute), value.Offset);
}
