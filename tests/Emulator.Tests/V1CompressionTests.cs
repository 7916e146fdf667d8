using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator.Tests;

/// <summary>v1 zstd (PROTOCOL.md §2.7): one binary frame per event, each one zstd frame made with dictionary 1612007021.</summary>
public sealed class V1CompressionTests
{
    [Fact]
    public async Task Compress_true_sends_each_event_as_one_zstd_frame_made_with_the_legacy_dictionary()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?compress=true");
        emu.PublishMany([Events.Commit("app.bsky.feed.post"), Events.Identity(), Events.Account()]);

        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };

        Assert.All(frames, f => Assert.Equal(WebSocketMessageType.Binary, f.Type));
        for (var i = 0; i < frames.Length; i++)
        {
            var (dictionaryId, checksum, declaredSize) = Zstd.Header(frames[i].Payload);
            Assert.Equal(Zstd.LegacyId, dictionaryId);
            Assert.True(checksum);
            Assert.Equal((ulong)emu.Log[i].Utf8Json.Length, declaredSize);
            Assert.Equal(emu.Log[i].Utf8Json.ToArray(), Zstd.Decode(frames[i].Payload, Zstd.LegacyDictionary));
            Assert.True(frames[i].Payload.Length < emu.Log[i].Utf8Json.Length);
        }

        // The frames really depend on the dictionary: without it they do not decode.
        Assert.ThrowsAny<Exception>(() => Zstd.DecodeWithoutDictionary(frames[0].Payload));
    }

    [Fact]
    public async Task The_Socket_Encoding_header_asks_for_zstd_too_and_replays_are_compressed()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var times = emu.PublishMany([Events.Commit("app.bsky.feed.like"), Events.Commit("app.bsky.feed.post")]);

        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?cursor={times[0]}", o => o.SetRequestHeader("Socket-Encoding", "zstd"));
        var replayed = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };

        Assert.Equal(emu.Log.Select(e => e.Json), replayed.Select(f => System.Text.Encoding.UTF8.GetString(Zstd.Decode(f.Payload, Zstd.LegacyDictionary))));
        Assert.Equal("zstd", Assert.Single(emu.Connections).Compression);
        Assert.Equal(Zstd.LegacyId, emu.Connections[0].DictionaryId);
    }

    [Fact]
    public async Task MaxMessageSizeBytes_is_compared_with_the_compressed_size()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var commit = Events.Commit("app.bsky.feed.post");
        var plainSize = System.Text.Encoding.UTF8.GetByteCount(commit);
        var limit = plainSize - 20;
        await using var compressed = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?compress=true&maxMessageSizeBytes={limit}");
        await using var plain = await TestSubscriber.ConnectAsync(emu.SubscribeUri, $"?maxMessageSizeBytes={limit}");

        emu.Publish(commit);
        emu.Publish(Events.Identity());

        // The compressed client gets the commit; the plain one skips it (too big) and gets the small identity event.
        Assert.Contains("\"kind\":\"commit\"", System.Text.Encoding.UTF8.GetString(Zstd.Decode((await compressed.ReceiveAsync()).Payload, Zstd.LegacyDictionary)));
        Assert.Contains("\"kind\":\"identity\"", (await plain.ReceiveAsync()).Text);
    }

    [Fact]
    public async Task Byte_counters_show_the_compressed_and_uncompressed_sizes_per_connection()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var compressed = await TestSubscriber.ConnectAsync(emu.SubscribeUri, "?compress=true");
        await using var plain = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        emu.PublishMany(new EventGenerator(2).Take(50));
        for (var i = 0; i < 50; i++)
        {
            await compressed.ReceiveAsync();
            await plain.ReceiveAsync();
        }

        // The server counts a frame once its send completes, which can be just after the client has it.
        await Jetstream.TestSupport.Eventually.HoldsAsync(() => Task.FromResult(emu.Connections.All(c => c.FramesSent == 50)), TimeSpan.FromSeconds(5), "both counters at 50");

        var zstd = emu.Connections.Single(c => c.Id == compressed.ConnectionId);
        var text = emu.Connections.Single(c => c.Id == plain.ConnectionId);
        var logged = emu.Log.Sum(e => (long)e.Utf8Json.Length);

        Assert.Equal(logged, text.BytesSent);
        Assert.Equal(logged, text.UncompressedBytesSent);
        Assert.Equal(logged, zstd.UncompressedBytesSent);
        Assert.InRange(zstd.BytesSent, logged / 4, logged * 3 / 4);
        Assert.Equal(50, zstd.FramesSent);
    }

    [Fact]
    public async Task Without_the_dictionary_file_a_compressed_request_is_refused_naming_the_setting()
    {
        var empty = Directory.CreateTempSubdirectory("no-dictionaries").FullName;
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { DictionaryDirectory = empty });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.GetAsync("/subscribe?compress=true");
        await using var uncompressed = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Emulator:DictionaryDirectory", body);
        Assert.Contains("zstd_dictionary", body);
        Assert.Equal(WebSocketState.Open, uncompressed.State);
    }

    [Fact]
    public async Task A_dictionary_file_that_is_not_the_real_one_stops_the_emulator_at_start()
    {
        var folder = Directory.CreateTempSubdirectory("bad-dictionaries").FullName;
        var fake = Zstd.LegacyDictionary.ToArray();
        fake[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(folder, "zstd_dictionary"), fake);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => JetstreamEmulator.StartAsync(new EmulatorOptions { DictionaryDirectory = folder }));

        Assert.Contains("Emulator:DictionaryDirectory", error.Message);
        Assert.Contains("b8d77b46933aceecbdd5275a01241efc985c970c78162b8150cf67a26522f70c", error.Message);
    }

    [Fact]
    public async Task A_dictionary_folder_that_does_not_exist_stops_the_emulator_at_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            JetstreamEmulator.StartAsync(new EmulatorOptions { DictionaryDirectory = "/nonexistent/jetstream-dictionaries" }));

        Assert.Contains("Emulator:DictionaryDirectory '/nonexistent/jetstream-dictionaries' does not exist", error.Message);
    }
}
