using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Jetstream.Emulator.Tests;

/// <summary>One whole message as a client received it.</summary>
public sealed record ReceivedFrame(WebSocketMessageType Type, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public long TimeUs
    {
        get
        {
            using var document = JsonDocument.Parse(Payload);
            return document.RootElement.GetProperty("time_us").GetInt64();
        }
    }
}
