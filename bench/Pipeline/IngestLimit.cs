using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using ZstdSharp;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Limit (a): a bare <see cref="ClientWebSocket"/> reading the emulator's stream on one wire and walking every frame
/// with a <see cref="Utf8JsonReader"/> (every token, as the processor's parser does when it skips a record), nothing
/// else; a zstd wire's frames are first decoded with one <see cref="Decompressor"/>, its dictionary loaded once.
/// </summary>
internal static class IngestLimit
{
    public const string Command = "limit-ingest";

    public static async Task<int> RunAsync(ChildArgs args)
    {
        var url = new Uri(args["url"]);
        var wire = JetstreamWire.Named(args["wire"]);
        var warmup = TimeSpan.FromSeconds(args.Double("warmup"));
        var measure = TimeSpan.FromSeconds(args.Double("seconds"));
        using var decompressor = wire.Compress ? new Decompressor() : null;
        decompressor?.LoadDictionary(await File.ReadAllBytesAsync(args["dictionary"]));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(url, CancellationToken.None);
        Console.WriteLine("CONNECTED");

        var buffer = new byte[64 * 1024];
        var decoded = new byte[256 * 1024];
        var filled = 0;
        long events = 0, bytes = 0, decodedBytes = 0, commits = 0, seq = 0;
        long startEvents = 0, startBytes = 0, startDecoded = 0, startSeq = 0;
        var startCpu = 0d;
        var clock = Stopwatch.StartNew();
        var firstEventAt = TimeSpan.MinValue;
        var measuring = false;
        TimeSpan measureStart = default;
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer.AsMemory(filled), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            filled += result.Count;
            if (!result.EndOfMessage)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                continue;
            }

            var frame = buffer.AsSpan(0, filled);
            if (decompressor is not null)
            {
                var written = decompressor.Unwrap(frame, decoded);
                frame = decoded.AsSpan(0, written);
            }

            var (commit, frameSeq) = Walk(frame, wire.V2);
            commits += commit ? 1 : 0;
            seq = frameSeq ?? seq;
            events++;
            bytes += filled;
            decodedBytes += frame.Length;
            filled = 0;

            if (firstEventAt == TimeSpan.MinValue)
            {
                firstEventAt = clock.Elapsed;
            }

            var now = clock.Elapsed;
            if (!measuring && now - firstEventAt >= warmup)
            {
                measuring = true;
                measureStart = now;
                (startEvents, startBytes, startDecoded, startSeq) = (events, bytes, decodedBytes, seq);
                startCpu = LimitResult.ProcessCpuSeconds();
            }
            else if (measuring && now - measureStart >= measure)
            {
                new LimitResult
                {
                    Name = "ingest",
                    Seconds = (now - measureStart).TotalSeconds,
                    Events = events - startEvents,
                    Bytes = bytes - startBytes,
                    DecodedBytes = decodedBytes - startDecoded,
                    // v2 filters identity and account events at the server: the seq numbers tell how much stream went by.
                    StreamEvents = wire.V2 ? seq - startSeq : events - startEvents,
                    Messages = commits,
                    CpuSeconds = LimitResult.ProcessCpuSeconds() - startCpu,
                }.Print();
                ws.Abort();
                return 0;
            }
        }

        Console.Error.WriteLine("The stream closed before the measurement ended.");
        return 1;
    }

    /// <summary>
    /// Reads every token of the frame; returns whether it is a commit (v1: top-level <c>kind</c>; v2: the payload's
    /// <c>$type</c>) and, on v2, the payload's <c>seq</c>.
    /// </summary>
    private static (bool Commit, long? Seq) Walk(ReadOnlySpan<byte> frame, bool v2)
    {
        var reader = new Utf8JsonReader(frame);
        var commit = false;
        long? seq = null;
        var depth = v2 ? 2 : 1;
        while (reader.Read())
        {
            if (reader.CurrentDepth != depth || reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (!v2 && reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                commit = reader.ValueTextEquals("commit"u8);
            }
            else if (v2 && reader.ValueTextEquals("$type"u8))
            {
                reader.Read();
                commit = reader.ValueTextEquals("network.bsky.jetstream.subscribeEvents#commit"u8);
            }
            else if (v2 && reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                seq = reader.GetInt64();
            }
        }

        return (commit, seq);
    }
}
