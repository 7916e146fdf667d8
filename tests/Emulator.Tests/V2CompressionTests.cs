using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace Jetstream.Emulator.Tests;

/// <summary>v2 dict-zstd (PROTOCOL.md §3.3): getZstdDictionary, zstdDictionary=&lt;id&gt;, every frame compressed, rotation.</summary>
public sealed class V2CompressionTests
{
    private const string V2Sha256 = "f631a689a829b84b042ba45bcd7a7c2f792467192c5832fcfc1fc48afbec96aa";

    [Fact]
    public async Task GetZstdDictionary_serves_the_raw_current_dictionary_with_its_id_headers()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(emu.GetZstdDictionaryUri);
        using var byId = await http.GetAsync(emu.GetZstdDictionaryUri + "?id=20260811");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(V2Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"zstd-dict-20260811\"", response.Headers.ETag?.Tag);
        Assert.Equal("20260811", response.Headers.GetValues("X-Zstd-Dictionary-Id").Single());
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal(bytes, await byId.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("?id=1612007021", HttpStatusCode.NotFound, "DictionaryNotFound", "no dictionary with id 1612007021; current dictionary id is 20260811")]
    [InlineData("?id=7", HttpStatusCode.NotFound, "DictionaryNotFound", "no dictionary with id 7; current dictionary id is 20260811")]
    [InlineData("?id=x", HttpStatusCode.BadRequest, "InvalidRequest", "id must be an integer zstd dictionary ID")]
    public async Task GetZstdDictionary_answers_other_ids_with_xrpc_errors(string query, HttpStatusCode status, string error, string message)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient();

        using var response = await http.GetAsync(emu.GetZstdDictionaryUri + query);

        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(error, body.GetProperty("error").GetString());
        Assert.Equal(message, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_cached_dictionary_is_revalidated_with_its_etag()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, emu.GetZstdDictionaryUri);
        request.Headers.IfNoneMatch.ParseAdd("\"zstd-dict-20260811\"");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task With_zstdDictionary_every_frame_is_one_zstd_frame_whose_plaintext_is_the_text_frame()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var text = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri);
        await using var zstd = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?zstdDictionary=20260811");

        emu.PublishMany([Events.Commit("app.bsky.feed.post"), Events.Identity(), Events.Sync()]);

        for (var i = 0; i < 3; i++)
        {
            var plain = await text.ReceiveAsync();
            var compressed = await zstd.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Binary, compressed.Type);
            Assert.Equal(Zstd.V2Id, Zstd.Header(compressed.Payload).DictionaryId);
            Assert.Equal(plain.Payload, Zstd.Decode(compressed.Payload, Zstd.V2Dictionary));
        }

        var connection = emu.Connections.Single(c => c.Id == zstd.ConnectionId);
        Assert.Equal(("zstd", 20260811u), (connection.Compression, connection.DictionaryId));
        Assert.True(connection.BytesSent < connection.UncompressedBytesSent);
    }

    [Fact]
    public async Task Info_and_error_frames_are_compressed_too()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(1).Take(3));
        var start = emu.Log[0].TimeUs;
        emu.Trim(2);
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, $"?cursor={start}&zstdDictionary=20260811");

        var info = await client.ReceiveAsync();
        await client.ReceiveAsync();
        await client.ReceiveAsync();
        emu.SignalConsumerTooSlow(client.ConnectionId);
        var (frames, _) = await client.ReceiveUntilClosedAsync();

        Assert.Equal(WebSocketMessageType.Binary, info.Type);
        Assert.Equal("OutdatedCursor", V2Frames.Json(info, Zstd.V2Dictionary).GetProperty("payload").GetProperty("name").GetString());
        Assert.Equal("ConsumerTooSlow", V2Frames.Json(Assert.Single(frames), Zstd.V2Dictionary).GetProperty("error").GetString());
    }

    [Fact]
    public async Task After_a_rotation_the_old_id_is_refused_with_the_current_one_and_the_new_dictionary_is_served()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var rotated = await http.PostAsync("/control/zstd-dictionary?id=1612007021", null);
        using var refused = await http.GetAsync("/xrpc/network.bsky.jetstream.subscribeEvents?zstdDictionary=20260811");
        var fetched = await http.GetByteArrayAsync("/xrpc/network.bsky.jetstream.getZstdDictionary");
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeEventsUri, "?zstdDictionary=1612007021");
        emu.Publish(Events.Identity());
        var frame = await client.ReceiveAsync();

        Assert.Equal(1612007021u, (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("currentId").GetUInt32());
        var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("UnknownZstdDictionary", body.GetProperty("error").GetString());
        Assert.Contains("current dictionary id is 1612007021", body.GetProperty("message").GetString());
        Assert.Equal(Zstd.LegacyDictionary, fetched);
        Assert.Equal(Zstd.LegacyId, Zstd.Header(frame.Payload).DictionaryId);
        Assert.EndsWith("#identity", V2Frames.Json(frame, Zstd.LegacyDictionary).GetProperty("payload").GetProperty("$type").GetString());
    }

    [Fact]
    public async Task A_misbehaving_server_can_serve_a_dictionary_that_subscribe_then_refuses()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { V2DictionaryId = Zstd.LegacyId, GetZstdDictionaryId = Zstd.V2Id });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var fetched = await http.GetAsync("/xrpc/network.bsky.jetstream.getZstdDictionary");
        using var refused = await http.GetAsync("/xrpc/network.bsky.jetstream.subscribeEvents?zstdDictionary=20260811");

        Assert.Equal("20260811", fetched.Headers.GetValues("X-Zstd-Dictionary-Id").Single());
        Assert.Equal("UnknownZstdDictionary", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Without_the_dictionary_files_v2_compression_is_refused_naming_the_setting()
    {
        var empty = Directory.CreateTempSubdirectory("no-dictionaries").FullName;
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { DictionaryDirectory = empty });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var subscribe = await http.GetAsync("/xrpc/network.bsky.jetstream.subscribeEvents?zstdDictionary=20260811");
        using var dictionary = await http.GetAsync("/xrpc/network.bsky.jetstream.getZstdDictionary");

        Assert.Equal(HttpStatusCode.BadRequest, subscribe.StatusCode);
        Assert.Contains("Emulator:DictionaryDirectory", (await subscribe.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, dictionary.StatusCode);
        Assert.Contains("zstd_dictionary_v2_subscribeEvents_20260811", (await dictionary.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
    }
}
