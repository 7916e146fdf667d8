namespace Jetstream.Grains.Processing;

/// <summary>What <see cref="FrameHandler.Handle"/> made of one frame; the counters count it (<see cref="ProcessorCounters.Count"/>).</summary>
public enum FrameOutcome
{
    /// <summary>Larger than <c>Jetstream:MaxFrameBytes</c>: skipped whole.</summary>
    Oversize,

    /// <summary>Not a valid event.</summary>
    ParseError,

    /// <summary>Handled already (below the resume floor, or its id queued recently).</summary>
    Duplicate,

    /// <summary>An identity event the subscription does not forward.</summary>
    SkippedIdentity,

    /// <summary>An account event the subscription does not forward.</summary>
    SkippedAccount,

    /// <summary>A commit of a collection the subscription does not want.</summary>
    SkippedNonMatching,

    /// <summary>Handed to the sink.</summary>
    Queued,

    /// <summary>A commit of a repository under backfill, handed to the sink to be held until the hand-over (<see cref="LiveSeam"/>).</summary>
    Held,
}
