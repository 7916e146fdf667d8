namespace Jetstream.Grains.Connection;

/// <summary>What one <see cref="FrameReceiver.ReceiveAsync"/> call found on the socket.</summary>
public enum ReceiveOutcome
{
    /// <summary>A whole frame, read by the wire.</summary>
    Frame,

    /// <summary>Nothing is buffered: the receive is kept for the next call.</summary>
    Idle,

    /// <summary>The server sent its close frame.</summary>
    Closed,
}
