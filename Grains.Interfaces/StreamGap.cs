namespace Jetstream.Grains.Interfaces;

/// <summary>
/// Events the server no longer had when we asked for them: never silent. <see cref="From"/> and <see cref="To"/> are
/// in <see cref="Unit"/> (<c>time_us</c> or <c>seq</c>): what we asked for, and the earliest point we got.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StreamGap
{
    [Id(0)] public required long From { get; init; }

    [Id(1)] public required long To { get; init; }

    /// <summary><c>time_us</c> or <c>seq</c>.</summary>
    [Id(2)] public required string Unit { get; init; }

    /// <summary>CursorTooOld, OutdatedCursor, RetentionExceeded (a v1 resume later than the server keeps) or ConsumerTooSlow.</summary>
    [Id(3)] public required string Reason { get; init; }

    [Id(4)] public required string Endpoint { get; init; }

    [Id(5)] public required DateTimeOffset DetectedAt { get; init; }
}
