namespace Jetstream.Grains.Connection;

public enum ConnectionEventKind
{
    /// <summary>A socket is open on <see cref="ConnectionEvent.Endpoint"/>: a new session begins.</summary>
    SessionStarted,

    /// <summary>A whole frame (<see cref="ConnectionEvent.Frame"/>).</summary>
    Frame,

    /// <summary>Nothing more is buffered on the socket: a good moment to write what is pending.</summary>
    Idle,

    /// <summary>The session ended (or an attempt failed); the next read waits out the backoff first.</summary>
    SessionEnded,

    /// <summary>The server no longer has events the cursor asked for (<see cref="ConnectionEvent.Gap"/>).</summary>
    Gap,
}
