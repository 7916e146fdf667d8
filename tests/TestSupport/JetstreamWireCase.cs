using System.Net.WebSockets;
using Xunit;

namespace Jetstream.TestSupport;

/// <summary>
/// One way Jetstream puts events on the socket, for tests that must hold on every wire. Today there is one: v1 JSON,
/// uncompressed. A compressed or a v2 wire is one more entry in <see cref="All"/>: its path, how one event becomes one
/// message, and the processor settings that select it; the tests that take <see cref="Names"/> then run on it too.
/// </summary>
public sealed record JetstreamWireCase(
    string Name,
    string PathAndQuery,
    WebSocketMessageType MessageType,
    Func<byte[], byte[]> EncodeEvent,
    IReadOnlyDictionary<string, string?> ProcessorSettings)
{
    public static readonly IReadOnlyList<JetstreamWireCase> All =
    [
        new("v1-json", "/subscribe", WebSocketMessageType.Text, json => json, new Dictionary<string, string?>()),
    ];

    public static TheoryData<string> Names => [.. All.Select(w => w.Name)];

    public static JetstreamWireCase Get(string name) => All.Single(w => w.Name == name);

    /// <summary>
    /// Where to cut a message near each of <paramref name="offsets"/>: inside a UTF-8 character when the message is
    /// text, so the cut splits one; a binary (compressed) message is cut at the offsets themselves.
    /// </summary>
    public IReadOnlyList<int> CutsNear(byte[] message, params int[] offsets) =>
        offsets.Where(o => o < message.Length)
            .Select(o => MessageType == WebSocketMessageType.Text ? MultiByteEvents.InsideCharacter(message, o) : o)
            .ToArray();

    public override string ToString() => Name;
}
