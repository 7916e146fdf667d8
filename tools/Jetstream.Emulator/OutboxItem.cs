using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>One frame waiting for a subscriber: an event (counted, for DropEveryNEvents) or a raw frame (not).</summary>
internal readonly record struct OutboxItem(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type, bool IsEvent);
