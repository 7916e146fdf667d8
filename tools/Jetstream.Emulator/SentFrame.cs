using System.Net.WebSockets;

namespace Jetstream.Emulator;

/// <summary>What goes on the socket for one frame, and its size before compression (for the byte counters).</summary>
internal readonly record struct SentFrame(ReadOnlyMemory<byte> Payload, WebSocketMessageType Type, int UncompressedLength);
