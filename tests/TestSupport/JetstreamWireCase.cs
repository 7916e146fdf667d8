using System.Net.WebSockets;
using Jetstream.Grains.Connection;
using Xunit;

namespace Jetstream.TestSupport;

/// <summary>
/// One way Jetstream puts events on the socket, for tests that must hold on every wire: v1 and v2, plain and zstd
/// (with the real dictionaries). Each entry is its path, how one event becomes one message, and the processor settings
/// that select it; the tests that take <see cref="Names"/> run on each. Whatever the wire, the queue must hold the
/// v1 event's bytes.
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
        new("v1-json", "/subscribe", WebSocketMessageType.Text, json => json, Compress(false)),
        new("v1-zstd", "/subscribe", WebSocketMessageType.Binary, json => WireEncodings.Zstd(json, BuiltInDictionaries.Legacy), Compress(true)),
        new("v2-json", V2Path, WebSocketMessageType.Text, WireEncodings.V2Message, Compress(false)),
        // No getZstdDictionary on the test server: the processor falls back to the built-in 20260811 dictionary.
        new("v2-zstd", V2Path, WebSocketMessageType.Binary, json => WireEncodings.Zstd(WireEncodings.V2Message(json), BuiltInDictionaries.SubscribeEvents20260811), Compress(true)),
    ];

    private const string V2Path = "/xrpc/network.bsky.jetstream.subscribeEvents";

    public static TheoryData<string> Names => [.. All.Select(w => w.Name)];

    /// <summary>
    /// Every wire with queue message version 1, and version 2 on one plain and one compressed wire: the message version
    /// is the queue's side, independent of the wire, so two wires show it holds without doubling the slowest tests.
    /// </summary>
    public static TheoryData<string, int> NamesAndMessageVersions
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var wire in All)
            {
                data.Add(wire.Name, 1);
            }

            data.Add("v1-json", 2);
            data.Add("v2-zstd", 2);
            return data;
        }
    }

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

    private static Dictionary<string, string?> Compress(bool on) => new() { ["Jetstream:Compress"] = on ? "true" : "false" };
}
