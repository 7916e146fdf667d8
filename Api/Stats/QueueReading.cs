namespace Jetstream.Api.Stats;

/// <summary>What a queue's properties said: its approximate message count, or why it could not be read.</summary>
public sealed record QueueReading(long? ApproximateCount, bool Exists, string? Error)
{
    public bool Reachable => Error is null;
}
