using System.Text.Json;

namespace Jetstream.Emulator.Tests;

/// <summary>Reading v2 (xrpc.v1.json) frames in tests.</summary>
public static class V2Frames
{
    /// <summary>The frame's JSON: as sent, or decoded with the v2 dictionary when it came compressed.</summary>
    public static JsonElement Json(ReceivedFrame frame, byte[]? dictionary = null)
    {
        var bytes = dictionary is null ? frame.Payload : Zstd.Decode(frame.Payload, dictionary);
        return JsonDocument.Parse(bytes).RootElement.Clone();
    }

    public static long Seq(ReceivedFrame frame) => Json(frame).GetProperty("payload").GetProperty("seq").GetInt64();

    public static string PayloadType(ReceivedFrame frame) => Json(frame).GetProperty("payload").GetProperty("$type").GetString()!;
}
