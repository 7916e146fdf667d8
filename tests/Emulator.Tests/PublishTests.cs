using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Emulator.Tests;

public sealed class PublishTests
{
    [Fact]
    public async Task Time_us_comes_from_the_clock_and_is_bumped_by_one_on_collision()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 25, 14, 23, 0, TimeSpan.Zero));
        await using var emu = await JetstreamEmulator.StartAsync(timeProvider: clock);
        var start = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

        var first = emu.Publish(Events.Identity());
        var second = emu.Publish(Events.Identity());
        clock.Advance(TimeSpan.FromSeconds(1));
        var third = emu.Publish(Events.Identity());

        Assert.Equal([start, start + 1, start + 1_000_000], [first, second, third]);
    }

    [Fact]
    public async Task Time_us_is_the_wall_clock_at_publish_so_receivers_can_measure_latency()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        var timeUs = emu.Publish(Events.Identity());

        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 1000;
        Assert.InRange(timeUs, before, after);
    }

    [Fact]
    public async Task Publishing_rewrites_time_us_in_place_and_keeps_every_other_byte()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        await using var client = await TestSubscriber.ConnectAsync(emu.SubscribeUri);
        var original = Events.Commit("app.bsky.feed.post");

        var timeUs = emu.Publish(original);
        var received = (await client.ReceiveAsync()).Text;

        Assert.Equal(original.Replace("\"time_us\":1,", $"\"time_us\":{timeUs},", StringComparison.Ordinal), received);
        Assert.Equal(received, emu.Log.Single().Json);
    }

    [Fact]
    public async Task An_event_without_time_us_gets_one_after_its_did()
    {
        await using var emu = await JetstreamEmulator.StartAsync();

        var timeUs = emu.Publish("""{"did":"did:plc:x","kind":"identity","identity":{"did":"did:plc:x"}}""");

        Assert.Equal($$$"""{"did":"did:plc:x","time_us":{{{timeUs}}},"kind":"identity","identity":{"did":"did:plc:x"}}""", emu.Log.Single().Json);
        Assert.Equal(("did:plc:x", "identity", (string?)null), (emu.Log[0].Did, emu.Log[0].Kind, emu.Log[0].Collection));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"kind":"identity"}""")]
    [InlineData("""{"did":"did:plc:x"} trailing""")]
    [InlineData("""{"did":"did:plc:x","time_us":{"nested":1}}""")]
    public async Task Publishing_something_that_is_not_an_event_object_with_a_did_throws_and_logs_nothing(string json)
    {
        await using var emu = await JetstreamEmulator.StartAsync();

        Assert.Throws<ArgumentException>(() => emu.Publish(json));
        Assert.Empty(emu.Log);
    }

    [Fact]
    public async Task Replaying_capture_152_publishes_every_line_with_fresh_increasing_time_us_and_the_rest_unchanged()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        var lines = JsonlReplayer.ReadLines(Jetstream.TestSupport.RepoPaths.Capture152);

        var times = JsonlReplayer.PublishFile(emu, Jetstream.TestSupport.RepoPaths.Capture152);

        Assert.Equal(152, lines.Count);
        Assert.Equal(times, emu.Log.Select(e => e.TimeUs));
        Assert.True(times.Zip(times.Skip(1)).All(p => p.First < p.Second));
        for (var i = 0; i < lines.Count; i++)
        {
            var expected = JsonNode.Parse(lines[i])!.AsObject();
            expected["time_us"] = times[i];
            Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(emu.Log[i].Json)), $"line {i + 1} changed");
            Assert.Equal(lines[i].Length, emu.Log[i].Json.Length);
        }

        Assert.Equal(150, emu.Log.Count(e => e.Kind == "commit" && e.Collection is not null));
    }

    [Fact]
    public void The_replayer_as_a_source_cycles_through_the_file()
    {
        var replayer = new JsonlReplayer(Jetstream.TestSupport.RepoPaths.SampleEvents);

        var first = replayer.NextUtf8();
        for (var i = 1; i < replayer.Count; i++)
        {
            replayer.NextUtf8();
        }

        Assert.Equal(first, replayer.NextUtf8());
    }

    [Fact]
    public void The_replayer_names_the_file_and_line_of_a_bad_line()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [Events.Identity(), "", "{oops"]);

            var error = Assert.Throws<InvalidDataException>(() => JsonlReplayer.ReadLines(path));

            Assert.Contains($"{path}:3", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Published_json_round_trips_through_the_log_as_valid_json()
    {
        await using var emu = await JetstreamEmulator.StartAsync();
        emu.PublishMany(new EventGenerator(2).Take(200));

        Assert.All(emu.Log, e => JsonDocument.Parse(e.Json).Dispose());
    }
}
