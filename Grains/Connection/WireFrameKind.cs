namespace Jetstream.Grains.Connection;

/// <summary>What a whole frame turned out to be once the wire has read it.</summary>
public enum WireFrameKind
{
    /// <summary>An event, in the v1 JSON shape (<see cref="WireFrame.Json"/>).</summary>
    Event,

    /// <summary>Not an event and not a control frame: counted and skipped (<see cref="WireFrame.Problem"/> says why).</summary>
    Bad,

    /// <summary>Larger than <c>Jetstream:MaxFrameBytes</c>, on the wire or once decoded: skipped whole.</summary>
    Oversize,

    /// <summary>A notice from the server that is not an event (v2 <c>#info</c>).</summary>
    Info,

    /// <summary>A terminal error from the server (v2 error frame): the connection ends after it.</summary>
    Error,
}
