using System.Net.WebSockets;
using System.Threading.Channels;

namespace Jetstream.Emulator;

/// <summary>
/// A connection's bounded queue of frames to send: filled under the hub's lock (so a single writer), drained by the
/// connection's one sender. A full outbox is the slow-consumer signal each wire answers in its own way.
/// </summary>
internal sealed class Outbox(int capacity)
{
    private readonly Channel<OutboxItem> _channel = Channel.CreateBounded<OutboxItem>(new BoundedChannelOptions(capacity)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public int Capacity { get; } = capacity;

    public int Count => _channel.Reader.Count;

    public ChannelReader<OutboxItem> Reader => _channel.Reader;

    /// <summary>False when full.</summary>
    public bool TryAdd(LoggedEvent logged) => _channel.Writer.TryWrite(new OutboxItem(logged, default, WebSocketMessageType.Text));

    public bool TryAddRaw(ReadOnlyMemory<byte> payload, bool binary) =>
        _channel.Writer.TryWrite(new OutboxItem(null, payload, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text));
}
