namespace Jetstream.Grains.Connection;

public enum ConnectionEventKind
{
    /// <summary>
    /// An attempt on <see cref="ConnectionEvent.Endpoint"/> is due (any backoff waited out): the reader plans where to
    /// resume and calls <see cref="JetstreamConnection.ConnectAsync"/> with that cursor before reading on.
    /// </summary>
    ReadyToConnect,

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
