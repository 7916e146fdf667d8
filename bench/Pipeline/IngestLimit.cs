using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Limit (a): a bare <see cref="ClientWebSocket"/> reading the emulator's stream and walking every frame with a
/// <see cref="Utf8JsonReader"/> (every token, as the processor's parser does when it skips a record), nothing else.
/// </summary>
internal static class IngestLimit
{
    public const string Command = "limit-ingest";

    public static async Task<int> RunAsync(ChildArgs args)
    {
        var url = new Uri(args["url"]);
        var warmup = TimeSpan.FromSeconds(args.Double("warmup"));
        var measure = TimeSpan.FromSeconds(args.Double("seconds"));
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(url, CancellationToken.None);
        Console.WriteLine("CONNECTED");

        var buffer = new byte[64 * 1024];
        var filled = 0;
        long events = 0, bytes = 0, commits = 0;
        long startEvents = 0, startBytes = 0;
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

            if (IsCommit(buffer.AsSpan(0, filled)))
            {
                commits++;
            }

            events++;
            bytes += filled;
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
                startEvents = events;
                startBytes = bytes;
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

    /// <summary>Reads every token of the frame; returns whether its top-level kind is "commit".</summary>
    private static bool IsCommit(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        var commit = false;
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("kind"u8))
            {
                reader.Read();
                commit = reader.ValueTextEquals("commit"u8);
            }
        }

        return commit;
    }
}
