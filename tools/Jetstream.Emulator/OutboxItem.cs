using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>One frame waiting for a subscriber: an event (encoded for its wire when sent) or a raw frame (sent as is).</summary>
internal readonly record struct OutboxItem(LoggedEvent? Event, ReadOnlyMemory<byte> Raw, WebSocketMessageType Type);
