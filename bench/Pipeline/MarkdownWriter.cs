using System.Globalization;
using System.Text;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The one writer of docs/performance.md's text: lines, tables (a cell's '|' escaped) and the number formats every
/// section uses. Each report section derives from it (directly, or through <see cref="SectionWriter"/> when a run of
/// its scenario alone replaces it), so a table is written one way everywhere.
/// </summary>
internal abstract class MarkdownWriter
{
    private readonly StringBuilder _md = new();

    /// <summary>Whole numbers with thousands separators; "–" for a figure not measured (NaN).</summary>
    protected static string F0(double value) => double.IsNaN(value) ? "–" : value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One decimal with thousands separators; "–" for a figure not measured (NaN).</summary>
    protected static string F1(double value) => double.IsNaN(value) ? "–" : value.ToString("N1", CultureInfo.InvariantCulture);

    /// <summary>One decimal, no separators (the older sections' format, kept so their tables read as before).</summary>
    protected static string Fixed1(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    protected static double Mib(long bytes) => bytes / 1048576.0;

    protected void Table(string[] header, IEnumerable<string[]> rows)
    {
        Line("| " + string.Join(" | ", header) + " |");
        Line("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }

        Line();
    }

    protected void Line(string text = "") => _md.Append(text).Append('\n');

    /// <summary>Appends text written elsewhere (another section's markdown).</summary>
    protected void Append(string text) => _md.Append(text);

    protected string Text() => _md.ToString();
}
