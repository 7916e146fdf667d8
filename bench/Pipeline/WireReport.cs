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
                F1(EmulatorPerStreamEvent(w.LimitName, a)),
            }
            : [w.Profile.Name, w.Wire.Label, "not measured", "", "", "", "", ""]);
        Table(["Profile", "Wire", "(a) stream events/s", "(a) frames/s", "Wire B/frame", "Decoded B/frame", "Reader CPU µs/frame", "Emulator CPU µs/stream event"], rows);
    }

    private void PipelineTable()
    {
        Line($"The pipeline on each wire: a new Silo told the wire (`Jetstream:Endpoints`, `Jetstream:Compress`), the consumer and the receiver, the feed unpaced, " +
             $"{Settings.WireWarmup.TotalSeconds:F0} s warm-up, {Settings.WireDuration.TotalSeconds:F0} s window. Frames are what the grain received (its `totalReceived`); " +
             "stream events are the same on v1 and the advance of the grain's sequence cursor on v2; bytes come from the grain's own `wireBytes` and `decodedBytes` counters. " +
             "The ratio compares frames with (a)'s frames on the same wire and stream.");
        Line();
        var rows = new List<string[]>();
        foreach (var w in Results.Wires)
        {
            if (w.Pipeline is not { } p)
            {
                rows.Add([w.Profile.Name, w.Wire.Label, $"not measured: {w.Error}", "", "", "", "", "", "", "", ""]);
                continue;
            }

            var limit = Results.Limits.GetValueOrDefault(w.LimitName);
            var silo = PerEvent(p.Usage, p.CostEvents, "Silo");
            var streamEvents = p.StreamEventsPerSecond * p.Seconds;
            rows.Add(
            [
                w.Profile.Name, w.Wire.Label + (p.Wire.Length > 1 ? $" (grain: {p.Wire})" : ""), F0(p.StreamEventsPerSecond), F0(p.ReceivedPerSecond),
                limit is null || limit.Events == 0 ? "" : $"{p.ReceivedPerSecond / limit.EventsPerSecond:P0}",
                F1(silo), F1(silo * p.CostEvents / Math.Max(1, streamEvents)),
                F0(p.WireBytesPerEvent), F0(p.WireBytesPerStreamEvent), F0(p.DecodedBytesPerEvent), F0(p.DeliveredPerSecond),
            ]);
        }

        Table(["Profile", "Wire", "Stream events/s", "Frames/s (grain)", "Ratio to (a)", "Silo CPU µs/frame", "Silo CPU µs/stream event", "Wire B/frame", "Wire B/stream event", "Decoded B/frame", "Delivered/s"], rows);
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

            double SiloPerStreamEvent(ThroughputResult r) => PerEvent(r.Usage, r.CostEvents, "Silo") * r.CostEvents / Math.Max(1, r.StreamEventsPerSecond * r.Seconds);
            var others = runs.Where(w => w.Wire != JetstreamWire.V1Plain).Select(w =>
                $"{w.Wire.Label} {w.Pipeline!.WireBytesPerStreamEvent:N0} B ({1 - (w.Pipeline.WireBytesPerStreamEvent / Math.Max(1, plain.WireBytesPerStreamEvent)):P0} fewer) " +
                $"and {SiloPerStreamEvent(w.Pipeline):F1} µs of Silo CPU");
            Line($"- **{profile.Name}**, per stream event: v1 uncompressed {plain.WireBytesPerStreamEvent:N0} B on the wire and {SiloPerStreamEvent(plain):F1} µs of Silo CPU; " +
                 $"{string.Join("; ", others)}. What bounds the v1 uncompressed pipeline: {CpuBound(plain.Usage, plain.CostEvents)}.");
        }

        var plainLimit = Results.Wires.Select(w => Results.Limits.GetValueOrDefault(w.LimitName) is { } a && w.Wire == JetstreamWire.V1Plain ? EmulatorPerStreamEvent(w.LimitName, a) : double.NaN)
            .Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Max();
        var compressed = Results.Wires.Where(w => w.Wire.Compress && Results.Limits.ContainsKey(w.LimitName)
                && EmulatorPerStreamEvent(w.LimitName, Results.Limits[w.LimitName]) >= 2 * plainLimit)
            .Select(w => $"{w.Profile.Name} {w.Wire.Label} {EmulatorPerStreamEvent(w.LimitName, Results.Limits[w.LimitName]):F0} µs").ToList();
        if (compressed.Count > 0)
        {
            Line($"- **Limit (a) on a zstd wire is the emulator's**: it compresses every event it sends (µs of its CPU per stream event: {string.Join(", ", compressed)}; " +
                 $"uncompressed at most {plainLimit:F0} µs), so on this machine the compressed limits measure the emulator, not the reader (whose CPU per frame is in the table). " +
                 "A real server compresses each event once for all its subscribers.");
        }

        Line();
    }

    private double EmulatorPerStreamEvent(string limitName, LimitResult limit) =>
        (Results.LimitUsage.GetValueOrDefault(limitName)?.FirstOrDefault(u => u.Host == "Emulator")?.CpuSeconds ?? double.NaN) * 1e6 / Math.Max(1, limit.StreamEvents);
}
