namespace Jetstream.Emulator;

/// <summary>What a replaying connection got from the log: more events, the cutover to live, or retention overtaking it.</summary>
internal enum ReplayStep
{
    Batch,
    Live,
    BelowFloor,
}
