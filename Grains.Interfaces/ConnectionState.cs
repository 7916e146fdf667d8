namespace Jetstream.Grains.Interfaces;

public enum ConnectionState
{
    /// <summary>Not started yet, or stopped on deactivation.</summary>
    Stopped,

    /// <summary>Opening the WebSocket.</summary>
    Connecting,

    /// <summary>Socket open, events flowing.</summary>
    Connected,

    /// <summary>Waiting before the next connection attempt.</summary>
    Backoff,

    /// <summary>The queue cannot be written: reading is paused until it can.</summary>
    PausedQueueUnavailable,

    /// <summary>The server rejected the subscription (HTTP 4xx): a setting is wrong; retried slowly.</summary>
    ConfigurationError,

    /// <summary>The subscription is paused: no socket; the cursor waits where it was.</summary>
    Paused,
}
