using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Jetstream.Emulator.Tests;

public sealed class ControlApiTests
{
    [Fact]
    public async Task Publish_rate_drop_and_stats_work_over_http()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { Seed = 3, CommitShare = 1, Collections = ["work.doing.test"] });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);

        using var published = await http.PostAsync("/control/publish?count=5", null);
        var body = await published.Content.ReadFromJsonAsync<JsonElement>();
        var frames = await client.ReceiveUntilAsync(f => f.TimeUs == body.GetProperty("lastTimeUs").GetInt64());

        Assert.Equal(5, body.GetProperty("published").GetInt32());
        Assert.Equal(5, frames.Count);
        Assert.All(frames, f => Assert.Contains("\"collection\":\"work.doing.test\"", f.Text));

        using var rate = await http.PostAsync("/control/rate?eventsPerSecond=200", null);
        Assert.Equal(HttpStatusCode.OK, rate.StatusCode);
        await client.ReceiveUntilAsync(f => f.TimeUs > frames[^1].TimeUs + 1);
        using var stop = await http.PostAsync("/control/rate?eventsPerSecond=0", null);
        Assert.Equal(0, emu.Options.EventsPerSecond);

        var stats = await http.GetFromJsonAsync<JsonElement>("/control/stats");
        Assert.True(stats.GetProperty("published").GetInt64() > 5);
        Assert.True(stats.GetProperty("sent").GetInt64() > 5);
        Assert.Equal(1, stats.GetProperty("activeConnections").GetInt32());

        using var drop = await http.PostAsync("/control/drop", null);
        Assert.Equal(1, (await drop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").GetInt32());
        Assert.NotNull((await client.ReceiveUntilClosedAsync()).Error);
    }

    [Fact]
    public async Task With_a_replay_file_the_feed_publishes_the_capture_in_order()
    {
        await using var emu = await JetstreamEmulator.StartAsync(new EmulatorOptions { ReplayFile = Jetstream.TestSupport.RepoPaths.Capture152 });
        using var http = new HttpClient { BaseAddress = emu.BaseUri };
        var lines = JsonlReplayer.ReadLines(Jetstream.TestSupport.RepoPaths.Capture152);

        using var response = await http.PostAsync("/control/publish?count=153", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var dids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("did").GetString()).ToList();
        Assert.Equal([.. dids, dids[0]], emu.Log.Select(e => e.Did));
    }

    [Theory]
    [InlineData("/control/publish?count=0", "count must be an integer from 1")]
    [InlineData("/control/publish?count=lots", "count must be an integer from 1")]
    [InlineData("/control/rate?eventsPerSecond=-1", "eventsPerSecond must be a number >= 0")]
    [InlineData("/control/rate", "eventsPerSecond must be a number >= 0")]
    [InlineData("/control/drop?connection=one", "connection must be a connection id")]
    [InlineData("/control/consumer-too-slow?connection=-1", "connection must be a connection id")]
    [InlineData("/control/retention", "give retentionSeconds")]
    [InlineData("/control/retention?retentionSeconds=-2", "retentionSeconds must be a number of seconds >= 0")]
    [InlineData("/control/retention?maxLogEvents=0", "maxLogEvents must be an integer >= 1")]
    [InlineData("/control/trim?floorSeq=0", "floorSeq must be an integer >= 1")]
    [InlineData("/control/zstd-dictionary?id=5", "id must be a known dictionary id (1612007021, 20260811)")]
    public async Task Bad_control_input_gets_400_naming_the_parameter(string url, string message)
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        using var response = await http.PostAsync(url, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Root_says_what_it_is_and_health_answers()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emu.BaseUri };

        Assert.Contains("Jetstream emulator", await http.GetStringAsync("/"));
        Assert.Equal("ok", (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(nameof(EmulatorOptions.OutboxCapacity))]
    [InlineData(nameof(EmulatorOptions.EventsPerSecond))]
    [InlineData(nameof(EmulatorOptions.CommitShare))]
    [InlineData(nameof(EmulatorOptions.ReplayFile))]
    [InlineData(nameof(EmulatorOptions.CollectionWeights))]
    [InlineData(nameof(EmulatorOptions.Retention))]
    [InlineData(nameof(EmulatorOptions.ConsumerTooSlowLag))]
    [InlineData(nameof(EmulatorOptions.V2DictionaryId))]
    public async Task A_bad_option_stops_the_start_with_a_message_naming_it(string setting)
    {
        var options = new EmulatorOptions();
        switch (setting)
        {
            case nameof(EmulatorOptions.OutboxCapacity): options.OutboxCapacity = 0; break;
            case nameof(EmulatorOptions.EventsPerSecond): options.EventsPerSecond = -3; break;
            case nameof(EmulatorOptions.CommitShare): options.CommitShare = 1.5; break;
            case nameof(EmulatorOptions.ReplayFile): options.ReplayFile = "/nowhere/events.jsonl"; break;
            case nameof(EmulatorOptions.Retention): options.Retention = TimeSpan.FromSeconds(-1); break;
            case nameof(EmulatorOptions.ConsumerTooSlowLag): options.ConsumerTooSlowLag = 0; break;
            case nameof(EmulatorOptions.V2DictionaryId): options.V2DictionaryId = 42; break;
            default: options.Collections = ["a.b.c"]; options.CollectionWeights = [1, 2]; break;
        }

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => JetstreamEmulator.StartAsync(options));

        Assert.Contains(setting, error.Message);
    }
}
