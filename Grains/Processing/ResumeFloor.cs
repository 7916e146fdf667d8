namespace Jetstream.Grains.Processing;

/// <summary>
/// Events at or before this point were handled already: a replay on the cursor's own endpoint. By <c>time_us</c> on v1
/// (unique per instance), by seq on v2. <see cref="None"/> after a switch of endpoint, where ids catch duplicates.
/// </summary>
public readonly record struct ResumeFloor(long? TimeUs, long? Seq)
{
    public static readonly ResumeFloor None = default;

    public bool Covers(long timeUs, long? seq) => seq is { } s && Seq is { } floor ? s <= floor : timeUs <= TimeUs;
}
