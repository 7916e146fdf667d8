namespace Jetstream.Grains;

/// <summary>What the processor persists: the cursor (with the endpoint it belongs to) and the counters.</summary>
[GenerateSerializer]
public sealed class ProcessorState
{
    /// <summary>Highest <c>time_us</c> up to which every event is queued or deliberately skipped.</summary>
    [Id(0)] public long? Cursor { get; set; }

    /// <summary>The endpoint whose clock <see cref="Cursor"/> comes from: <c>time_us</c> is only unique per instance.</summary>
    [Id(1)] public string? CursorEndpoint { get; set; }

    [Id(2)] public ProcessorCounters Counters { get; set; } = new();

    /// <summary>On the v2 wire, the seq up to which every event is handled, on <see cref="CursorEndpoint"/> (seqs are instance-local).</summary>
    [Id(3)] public long? CursorSeq { get; set; }

    /// <summary>
    /// The three fields above as the one value the processor passes around; they stay three fields so state written
    /// before keeps reading. Methods, not a property: the Azure Table provider stores every public property as JSON.
    /// </summary>
    public CursorPosition GetPosition() => new(Cursor, CursorSeq, CursorEndpoint);

    /// <summary>Called only by <see cref="Processing.ProcessorCheckpoint"/>, the one writer of the persisted position.</summary>
    public void SetPosition(CursorPosition position) => (Cursor, CursorSeq, CursorEndpoint) = (position.TimeUs, position.Seq, position.Endpoint);
}
