using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Jetstream.Bench.Pipeline;

/// <summary>What a limit loop measured, printed by the child as one <c>RESULT {json}</c> line and read back by the parent.</summary>
internal sealed record LimitResult
{
    public const string Marker = "RESULT ";

    public required string Name { get; init; }

    public required double Seconds { get; init; }

    /// <summary>Events (or requests) completed in <see cref="Seconds"/>.</summary>
    public required long Events { get; init; }

    /// <summary>Queue messages, for the queue limit.</summary>
    public long Messages { get; init; }

    /// <summary>Bytes on the wire (compressed, for a zstd wire).</summary>
    public long Bytes { get; init; }

    /// <summary>Bytes once decoded (the ingest limit on a zstd wire; equal to <see cref="Bytes"/> otherwise).</summary>
    public long DecodedBytes { get; init; }

    /// <summary>
    /// Stream events that went by while measuring (the ingest limit): <see cref="Events"/> on v1, the seq numbers passed
    /// on v2, where the server drops identity and account events before sending.
    /// </summary>
    public long StreamEvents { get; init; }

    public long Errors { get; init; }

    /// <summary>CPU seconds the loop's own process used while measuring.</summary>
    public double CpuSeconds { get; init; }

    public double EventsPerSecond => Events / Seconds;

    public double MessagesPerSecond => Messages / Seconds;

    public void Print() => Console.WriteLine(Marker + JsonSerializer.Serialize(this, BenchJsonContext.Default.LimitResult));

    public static LimitResult? Parse(IEnumerable<string> output) =>
        output.LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal)) is { } line
            ? JsonSerializer.Deserialize(line[Marker.Length..], BenchJsonContext.Default.LimitResult)
            : null;

    public static double ProcessCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name}: {EventsPerSecond:F0} events/s over {Seconds:F1} s");
}
