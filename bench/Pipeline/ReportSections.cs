namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The sections of docs/performance.md that belong to one scenario each: the whole run appends them all, and a run of
/// some of them alone (<c>--only</c>) replaces just theirs in the existing report.
/// </summary>
internal static class ReportSections
{
    private static IEnumerable<(string Scenario, string Heading, Func<bool, string> Write)> All(Results results, BenchSettings settings) =>
    [
        ("wires", WireReport.Heading, standalone => new WireReport(results, settings).ToMarkdown(standalone)),
        ("batched", FirehoseDeliveryReport.BatchedHeading, standalone => new FirehoseDeliveryReport(results, settings, batched: true).ToMarkdown(standalone)),
        ("single", FirehoseDeliveryReport.SingleHeading, standalone => new FirehoseDeliveryReport(results, settings, batched: false).ToMarkdown(standalone)),
        ("coldwarm", ColdWarmReport.Heading, standalone => new ColdWarmReport(results, settings).ToMarkdown(standalone)),
        ("sparse", EventTimingReport.SparseHeading, standalone => new EventTimingReport(results, settings).Sparse(standalone)),
        ("outage", EventTimingReport.OutageHeading, standalone => new EventTimingReport(results, settings).Outage(standalone)),
        ("duplicates", EventTimingReport.DuplicatesHeading, standalone => new EventTimingReport(results, settings).Duplicates(standalone)),
        ("backfill", BackfillReport.Heading, standalone => new BackfillReport(results, settings).ToMarkdown(standalone)),
        ("subscriptions", SubscriptionReport.Heading, standalone => new SubscriptionReport(results, settings).ToMarkdown(standalone)),
    ];

    /// <summary>Every section with something to show, for the whole run's report.</summary>
    public static string Append(Results results, BenchSettings settings) =>
        string.Concat(All(results, settings).Select(section => section.Write(false)));

    /// <summary>
    /// The whole run's report, with the sections of the scenarios it left out (<c>--only</c>, <c>--skip</c>) taken from the
    /// existing report, so a run that leaves one out does not erase its last figures.
    /// </summary>
    public static string KeepNotRun(string report, string existing, Results results, BenchSettings settings) =>
        All(results, settings).Where(section => !settings.Runs(section.Scenario))
            .Aggregate(report, (text, section) => SectionWriter.Splice(text, section.Heading, SectionWriter.Section(existing, section.Heading)));

    /// <summary>The existing report with the sections of the scenarios this run ran replaced (or appended).</summary>
    public static string Splice(string document, Results results, BenchSettings settings) =>
        All(results, settings).Where(section => settings.Runs(section.Scenario))
            .Aggregate(document, (text, section) => SectionWriter.Splice(text, section.Heading, section.Write(true)));
}
