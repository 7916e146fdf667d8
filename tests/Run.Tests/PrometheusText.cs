using System.Globalization;
using System.Text.RegularExpressions;

namespace Jetstream.Run.Tests;

/// <summary>A scrape of <c>/metrics</c> (Prometheus text format), read as a monitoring system would.</summary>
internal sealed partial class PrometheusText
{
    private readonly List<(string Name, string Labels, double Value)> _samples = [];

    private PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            var match = Sample().Match(line);
            if (match.Success && double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                _samples.Add((match.Groups["name"].Value, match.Groups["labels"].Value, value));
            }
        }
    }

    public string Text { get; }

    /// <summary>One scrape of each port, read as one: the silos of a cluster together (the processor runs on one of them).</summary>
    public static async Task<PrometheusText> ScrapeAsync(HttpClient http, params int[] ports)
    {
        var texts = new List<string>();
        foreach (var port in ports)
        {
            texts.Add(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));
        }

        return new(string.Join('\n', texts));
    }

    public bool Has(string name) => _samples.Any(s => s.Name == name);

    /// <summary>The sum of <paramref name="name"/> over the series whose labels contain every <paramref name="labels"/> (<c>key="value"</c>); 0 when none.</summary>
    public double Sum(string name, params string[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)( \d+)?\r?$")]
    private static partial Regex Sample();
}
