namespace Jetstream.Bench.Pipeline;

/// <summary>Issue 12's section: the ingest limit and the pipeline on each wire, and the decoding's cost per frame.</summary>
internal sealed class WireReport(Results results, BenchSettings settings) : SectionWriter(results, settings)
{
    public const string Heading = "## Wires and compression (issue 12)";

    private const double DecodeTargetNs = 1000;

    /// <summary>The micro-benchmark pairs: a compressed read and the same frames read plain.</summary>
    private static readonly (string Compressed, string Plain, string Label)[] DecodePairs =
    [
        ("non-matching commit, v1 zstd", "non-matching commit, v1 read by the connection", "v1 zstd − v1 plain"),
        ("non-matching commit, v2 zstd converted", "non-matching commit, v2 converted", "v2 zstd − v2 plain (both converted)"),
    ];

    public string ToMarkdown(bool standalone)
    {
        if (Results.Wires.Count == 0 && !DecodePairs.Any(p => Micro(p.Compressed) is not null))
        {
            return "";
        }

        Header(Heading, standalone, phase => phase.StartsWith("wires", StringComparison.Ordinal) || phase.StartsWith("limit (a) ingest-", StringComparison.Ordinal) || phase == "micro-benchmarks");
        TargetsTable();
        if (Results.Wires.Count > 0)
        {
            LimitTable();
            PipelineTable();
            Notes();
        }

        return Text();
    }

    private MicroResult? Micro(string name) => Results.Micro.FirstOrDefault(m => m.Case == name);

    private void TargetsTable()
    {
        var rows = new List<string[]>();
        foreach (var (compressed, plain, label) in DecodePairs)
        {
            if (Micro(compressed) is not { } z || Micro(plain) is not { } p)
            {
                rows.Add([$"Decoding a compressed frame costs ≤ 1 µs more than the plain frame ({label})", "", Met(null, "the micro-benchmarks did not run (`--no-micro`)")]);
                continue;
            }

            var difference = z.Nanoseconds - p.Nanoseconds;
            rows.Add([$"Decoding a compressed frame costs ≤ 1 µs more than the plain frame ({label})",
                $"{difference:N0} ns more ({z.Nanoseconds:N0} against {p.Nanoseconds:N0} ns per frame)",
                Met(difference <= DecodeTargetNs, "the zstd decode itself, per frame: see `bench/Micro`")]);
            rows.Add([$"No allocation per compressed frame beyond reused buffers ({label})",
                $"{z.AllocatedBytes:F0} B per frame ({p.AllocatedBytes:F0} B plain)", Met(z.AllocatedBytes <= p.AllocatedBytes, "the decoder allocates per frame")]);
        }

        Table(["Target", "Measured", "Met"], rows);
    }

    private void LimitTable()
    {
        Line($"Limit (a) on each wire: the bare reader (`ClientWebSocket`, one `ZstdSharp` decompressor with its dictionary loaded once on a zstd wire, " +
             $"`Utf8JsonReader` over every token), {Settings.LimitDuration.TotalSeconds:F0} s against a new emulator. On v2 the reader asks what the Silo asks " +
             "(`kinds=commit` and the collections), so the server drops identity and account events before sending: stream events count the `seq` numbers that went by.");
        Line();
        var rows = Results.Wires.Select(w => Results.Limits.GetValueOrDefault(w.LimitName) is { } a
            ? new[]
            {
                w.Profile.Name, w.Wire.Label, F0(a.StreamEvents / a.Seconds), F0(a.EventsPerSecond), F0((double)a.Bytes / Math.Max(1, a.Events)),
                F0((double)a.DecodedBytes / Math.Max(1, a.Events)), F1(a.CpuSeconds * 1e6 / Math.Max(1, a.Events)),
                F1((Results.LimitUsage.GetValueOrDefault(w.LimitName)?.FirstOrDefault(u => u.Host == "Emulator")?.CpuSeconds ?? double.NaN) * 1e6 / Math.Max(1, a.StreamEvents)),
            }
            : [w.Profile.Name, w.Wire.Label, "not measured", "", "", "", "", ""]);
        Table(["Profile", "Wire", "(a) stream events/s", "(a) frames/s", "Wire B/frame", "Decoded B/frame", "Reader CPU µs/frame", "Emulator CPU µs/stream event"], rows);
    }

    private void PipelineTable()
    {
        Line($"The pipeline on each wire: a new Silo told the wire (`Jetstream:Endpoints`, `Jetstream:Compress`), the consumer and the receiver, the feed unpaced, " +
             $"{Settings.WireWarmup.TotalSeconds:F0} s warm-up, {Settings.WireDuration.TotalSeconds:F0} s window. Frames are what the grain received (its `totalReceived`), " +
             "stream events what the emulator published meanwhile; bytes per frame come from the grain's own `wireBytes` and `decodedBytes` counters.");
        Line();
        var rows = new List<string[]>();
        foreach (var w in Results.Wires)
        {
            if (w.Pipeline is not { } p)
            {
                rows.Add([w.Profile.Name, w.Wire.Label, $"not measured: {w.Error}", "", "", "", "", "", "", ""]);
                continue;
            }

            var limit = Results.Limits.GetValueOrDefault(w.LimitName);
            var silo = p.Usage.FirstOrDefault(u => u.Host == "Silo");
            var streamEvents = p.PublishedPerSecond * p.Seconds;
            rows.Add(
            [
                w.Profile.Name, w.Wire.Label + (p.Wire.Length > 1 ? $" (grain: {p.Wire})" : ""), F0(p.PublishedPerSecond), F0(p.ReceivedPerSecond),
                limit is null || limit.StreamEvents == 0 ? "" : $"{p.PublishedPerSecond / (limit.StreamEvents / limit.Seconds):P0}",
                silo is null ? "" : F1(silo.CpuSeconds * 1e6 / Math.Max(1, p.CostEvents)),
                silo is null || streamEvents <= 0 ? "" : F1(silo.CpuSeconds * 1e6 / streamEvents),
                F0(p.WireBytesPerEvent), F0(p.DecodedBytesPerEvent), F0(p.DeliveredPerSecond),
            ]);
        }

        Table(["Profile", "Wire", "Stream events/s", "Frames/s (grain)", "Ratio to (a), stream events", "Silo CPU µs/frame", "Silo CPU µs/stream event", "Wire B/frame", "Decoded B/frame", "Delivered/s"], rows);
    }

    private void Notes()
    {
        foreach (var profile in WireScenarios.Profiles)
        {
            var runs = Results.Wires.Where(w => w.Profile == profile && w.Pipeline is not null).ToList();
            if (runs.FirstOrDefault(w => w.Wire == JetstreamWire.V1Plain)?.Pipeline is not { } plain)
            {
                continue;
            }

            var others = runs.Where(w => w.Wire != JetstreamWire.V1Plain).Select(w =>
                $"{w.Wire.Label} {w.Pipeline!.WireBytesPerEvent:N0} B per frame on the wire ({1 - (w.Pipeline.WireBytesPerEvent / Math.Max(1, plain.WireBytesPerEvent)):P0} fewer than v1 uncompressed) " +
                $"at {PerEvent(w.Pipeline.Usage, w.Pipeline.CostEvents, "Silo"):F1} µs of Silo CPU per frame against {PerEvent(plain.Usage, plain.CostEvents, "Silo"):F1}");
            Line($"- **{profile.Name}**: v1 uncompressed {plain.WireBytesPerEvent:N0} B per frame; {string.Join("; ", others)}. " +
                 $"What bounds the v1 uncompressed pipeline: {CpuBound(plain.Usage, plain.CostEvents)}.");
        }

        Line();
    }
}
