using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Jetstream.Grains.Tests.Unit;

/// <summary>Message version 2 (compressed) beside version 1: what it carries, how full the packer makes it, what a reader refuses.</summary>
public sealed class QueueMessageVersionTests(ITestOutputHelper output)
{
    private static readonly QueueOptions Defaults = new();

    [Theory]
    [InlineData(null, QueueMessageCodec.CompressedVersion)]
    [InlineData("1", QueueMessageCodec.PlainVersion)]
    [InlineData("2", QueueMessageCodec.CompressedVersion)]
    public void The_processor_packs_version_2_by_default_and_version_1_when_told(string? setting, int expected)
    {
        var settings = new Dictionary<string, string?>();
        if (setting is not null)
        {
            settings["Queue:MessageVersion"] = setting;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddEventQueue(configuration);
        using var provider = services.BuildServiceProvider();

        // As the silo binds and validates it, and as QueueSink, GatheredSends and BackfillQueueWriter make their packer.
        var options = provider.GetRequiredService<IOptions<QueueOptions>>().Value;
        Assert.Equal(expected, options.MessageVersion);
        Assert.Equal(expected, MessagePacker.Create(options).Version);
    }

    [Fact]
    public void Version_2_carries_every_captured_event_byte_for_byte_in_an_ascii_body()
    {
        var events = Captured(152);

        var body = QueueMessageCodec.Encode(events, QueueMessageCodec.CompressedVersion).ToArray();
        var decoded = QueueMessageCodec.DecodeMessage(body);

        Assert.True(Ascii.IsValid(body), "A message body must be ASCII, so no text handling on its way can split a character.");
        Assert.Equal(QueueMessageCodec.CompressedVersion, decoded.Version);
        Assert.Equal(events.Select(e => Convert.ToHexString(e.EventJson.Span)), decoded.Events.Select(e => Convert.ToHexString(e.EventJson.Span)));
        Assert.Equal(events.Select(e => (e.EventId, e.Did, e.TimeUs, e.QueuedAt)), decoded.Events.Select(e => (e.EventId, e.Did, e.TimeUs, e.QueuedAt)));
    }

    [Fact]
    public void Version_2_keeps_multi_byte_events_bookkeeping_and_blob_references()
    {
        var multi = Event("did:plc:multi", MultiByteEvents.Commit("did:plc:multi", 2, 2, 30_000));
        var retried = Event("did:plc:retried", Encoding.UTF8.GetBytes("""{"text":"—"}""")) with
        {
            Attempts = 3, FirstAttemptAt = DateTimeOffset.UnixEpoch.AddMinutes(1), LastStatus = 503, LastError = "HTTP 503 — Überlastet",
            NotBefore = DateTimeOffset.UnixEpoch.AddHours(1), TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        var offloaded = new QueuedEvent { EventId = "evt_blob", QueuedAt = DateTimeOffset.UnixEpoch, Did = "did:plc:blob", TimeUs = 3, BlobName = "evt_blob.json" };

        var body = QueueMessageCodec.Encode([multi, retried, offloaded], QueueMessageCodec.CompressedVersion).ToArray();
        var decoded = QueueMessageCodec.Decode(body);

        Assert.True(Ascii.IsValid(body));
        Assert.Null(MultiByteEvents.Difference(multi.EventJson.Span, decoded[0].EventJson.Span));
        Assert.Equal(retried with { EventJson = default }, decoded[1] with { EventJson = default });
        Assert.Null(MultiByteEvents.Difference(retried.EventJson.Span, decoded[1].EventJson.Span));
        Assert.Equal(offloaded, decoded[2] with { EventJson = default });
    }

    [Fact]
    public void The_body_decodes_with_nothing_but_base64_raw_inflate_and_json_as_the_contract_says()
    {
        var events = Captured(20);
        var body = QueueMessageCodec.Encode(events, QueueMessageCodec.CompressedVersion).ToString();

        // docs/queue-contract.md's recipe, step by step, without the codec.
        using var envelope = JsonDocument.Parse(body);
        Assert.Equal(2, envelope.RootElement.GetProperty("v").GetInt32());
        var deflated = Convert.FromBase64String(envelope.RootElement.GetProperty("deflate").GetString()!);
        using var inflated = new MemoryStream();
        using (var inflate = new DeflateStream(new MemoryStream(deflated), CompressionMode.Decompress))
        {
            inflate.CopyTo(inflated);
        }

        using var content = JsonDocument.Parse(inflated.ToArray());
        var carried = content.RootElement.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(events.Select(e => e.EventId), carried.Select(e => e.GetProperty("eventId").GetString()));
        Assert.Equal(events.Select(e => Encoding.UTF8.GetString(e.EventJson.Span)), carried.Select(e => e.GetProperty("event").GetRawText()));
    }

    /// <summary>
    /// Also the measurement of events per message in docs/queue-contract.md: run with
    /// <c>--logger "console;verbosity=detailed"</c> to see the figures.
    /// </summary>
    [Theory]
    [InlineData("generator", false)]
    [InlineData("generator", true)]
    [InlineData("capture", false)]
    [InlineData("capture", true)]
    public void Version_2_packs_nearly_twice_the_events_of_version_1_each_message_cut_near_the_limit(string source, bool traced)
    {
        var events = source == "generator" ? Generated(20_000, traced) : Captured(15_000, traced);

        var plain = Pack(events, QueueMessageCodec.PlainVersion, Defaults.MaxMessageBytes);
        var compressed = Pack(events, QueueMessageCodec.CompressedVersion, Defaults.MaxMessageBytes);

        Assert.Equal(events.Count, compressed.Sum(m => m.Events));
        Assert.All(compressed, m => Assert.True(m.Body.Length <= Defaults.MaxMessageBytes, $"{m.Body.Length} bytes"));
        var perMessage = (Plain: events.Count / (double)plain.Count, Compressed: events.Count / (double)compressed.Count);
        var smallestFull = compressed.SkipLast(1).Min(m => m.Body.Length);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{source}{(traced ? " with traceparent" : string.Empty)}: {events.Count} events, {perMessage.Plain:0.0} per version 1 message, {perMessage.Compressed:0.0} per version 2 message ({perMessage.Compressed / perMessage.Plain:0.00}x); version 2 bodies {compressed.SkipLast(1).Average(m => m.Body.Length):0} bytes on average, the smallest full one {smallestFull}"));

        // Random ids and trace contexts are about 45 incompressible bytes an event: 1.9 times with them, 2.1 to 2.3 without.
        Assert.True(perMessage.Compressed > 1.7 * perMessage.Plain, $"{perMessage.Compressed:0.0} events per version 2 message, {perMessage.Plain:0.0} per version 1");

        // Cut by the compressed size, not early: a full message lacks at most the worst case of one event (96 % or
        // more of the limit when measured).
        Assert.True(smallestFull > Defaults.MaxMessageBytes * 0.9, $"a version 2 message was cut at {smallestFull} of {Defaults.MaxMessageBytes} bytes");
        Assert.Equal(
            events.Select(e => Convert.ToHexString(e.EventJson.Span)),
            compressed.SelectMany(m => QueueMessageCodec.Decode(m.Body)).Select(e => Convert.ToHexString(e.EventJson.Span)));
    }

    [Theory]
    [InlineData(1024)]
    [InlineData(8 * 1024)]
    [InlineData(60 * 1024)]
    [InlineData(64 * 1024)]
    public void Incompressible_events_never_take_a_version_2_message_past_the_limit(int maxMessageBytes)
    {
        // Random characters from the whole Basic Multilingual Plane: 3 bytes each, next to nothing repeats.
        var random = new Random(maxMessageBytes);
        var events = new List<QueuedEvent>();
        for (var i = 0; i < 200; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(10, 4_000)).Select(_ => (char)random.Next(0x800, 0xD7FF)).ToArray());
            events.Add(Event($"did:plc:r{i}", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { text }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))));
        }

        var packer = MessagePacker.Create(QueueMessageCodec.CompressedVersion, maxMessageBytes, 1000);
        var fitting = events.Where(packer.FitsAlone).ToList();
        var messages = Pack(fitting, QueueMessageCodec.CompressedVersion, maxMessageBytes);

        Assert.True(fitting.Count > 0);
        Assert.All(messages, m => Assert.True(m.Body.Length <= maxMessageBytes, $"{m.Body.Length} bytes for a limit of {maxMessageBytes}"));
        Assert.Equal(fitting.Select(e => e.EventId), messages.SelectMany(m => QueueMessageCodec.Decode(m.Body)).Select(e => e.EventId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(400)]
    public void A_packer_cleared_unfinished_packs_the_next_message_as_a_fresh_one_does(int events)
    {
        // What a backfilled repository's writer does: pack its events to learn whether they fit one message, clear,
        // and leave them to be gathered with other repositories'. Small messages are compressed only when finished.
        var captured = Captured(events);
        var reused = MessagePacker.Create(QueueMessageCodec.CompressedVersion, Defaults.MaxMessageBytes, Defaults.MaxEventsPerMessage);
        foreach (var e in Captured(events + 100).Skip(events))
        {
            if (!reused.TryAdd(e))
            {
                break;
            }
        }

        reused.Clear();
        var fresh = MessagePacker.Create(QueueMessageCodec.CompressedVersion, Defaults.MaxMessageBytes, Defaults.MaxEventsPerMessage);
        var added = captured.TakeWhile(fresh.TryAdd).Count();
        Assert.Equal(added, captured.TakeWhile(reused.TryAdd).Count());

        var body = reused.Finish().ToArray();
        Assert.Equal(fresh.Finish().ToArray(), body);
        Assert.True(body.Length <= Defaults.MaxMessageBytes);
        Assert.Equal(captured.Take(added).Select(e => e.EventId), QueueMessageCodec.Decode(body).Select(e => e.EventId));
        Assert.True(added == events || added > 20, $"{added} of {events} events in one message");
    }

    [Fact]
    public void An_event_too_large_to_fit_goes_to_a_blob_in_either_version()
    {
        var large = Event("did:plc:large", MultiByteEvents.Commit("did:plc:large", 1, 1, 200_000));
        var small = Event("did:plc:small", MultiByteEvents.Commit("did:plc:small", 1, 1, 2_000));

        foreach (var version in new[] { QueueMessageCodec.PlainVersion, QueueMessageCodec.CompressedVersion })
        {
            var packer = MessagePacker.Create(version, Defaults.MaxMessageBytes, Defaults.MaxEventsPerMessage);
            Assert.False(packer.FitsAlone(large), $"version {version}");
            Assert.True(packer.FitsAlone(small), $"version {version}");
        }
    }

    [Fact]
    public void A_reader_limited_to_version_1_refuses_version_2_as_too_new_not_as_malformed()
    {
        var body = QueueMessageCodec.Encode(Captured(3), QueueMessageCodec.CompressedVersion).ToArray();

        var refused = Assert.Throws<UnsupportedMessageVersionException>(() => QueueMessageCodec.DecodeMessage(body, readableVersion: 1));

        Assert.Equal(2, refused.Version);
        Assert.Equal(1, refused.ReadableVersion);
        Assert.Contains("needs a newer reader", refused.Message);
    }

    [Theory]
    [InlineData("""{"v":3,"events":[{"eventId":"e"}]}""")]
    [InlineData("""{"v":3,"zstd":"KLUv/QBYAQAA"}""")]
    [InlineData("""{"events":"anything","v":3}""")]
    public void A_future_version_is_refused_as_too_new_whatever_it_holds(string body)
    {
        var refused = Assert.Throws<UnsupportedMessageVersionException>(() => QueueMessageCodec.DecodeMessage(BinaryData.FromString(body).ToMemory()));
        Assert.Equal(3, refused.Version);
    }

    [Theory]
    [InlineData("""{"v":2,"deflate":"not base64!"}""")]
    [InlineData("""{"v":2,"deflate":"AAAA"}""")]
    [InlineData("""{"v":2}""")]
    [InlineData("""{"v":0,"events":[]}""")]
    [InlineData("""{"events":[]}""")]
    public void Malformed_version_2_and_versionless_bodies_are_format_errors_not_newer_versions(string body)
    {
        var error = Assert.ThrowsAny<FormatException>(() => QueueMessageCodec.DecodeMessage(BinaryData.FromString(body).ToMemory()));
        Assert.IsNotType<UnsupportedMessageVersionException>(error);
    }

    /// <summary>Real events (capture-152.jsonl) cycled to <paramref name="count"/>, each with an id of its own.</summary>
    internal static List<QueuedEvent> Captured(int count, bool traced = false)
    {
        var lines = File.ReadAllLines(RepoPaths.Capture152);
        return Enumerable.Range(0, count).Select(i => Queued(Encoding.UTF8.GetBytes(lines[i % lines.Length]), i, traced)).ToList();
    }

    /// <summary>The emulator's commits, as the bench's queue limit and the firehose scenario send them.</summary>
    private static List<QueuedEvent> Generated(int count, bool traced)
    {
        var generator = new EventGenerator(1000, new GeneratorProfile());
        var events = new List<QueuedEvent>(count);
        while (events.Count < count)
        {
            var json = generator.NextUtf8();
            if (JsonDocument.Parse(json).RootElement.GetProperty("kind").GetString() == "commit")
            {
                events.Add(Queued(json, events.Count, traced));
            }
        }

        return events;
    }

    private static QueuedEvent Queued(byte[] json, int i, bool traced) => new()
    {
        EventId = "evt_" + Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i)))[..32],
        QueuedAt = DateTimeOffset.UnixEpoch.AddMilliseconds(i),
        Did = JsonDocument.Parse(json).RootElement.GetProperty("did").GetString()!,
        TimeUs = 1_783_175_888_085_434 + i,
        EventJson = json,
        TraceParent = traced ? $"00-{Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(-i)))[..32]}-{Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(~i)))[..16]}-01" : null,
    };

    /// <summary>Packs as QueueSink does: add until the packer says full, finish, go on.</summary>
    private static List<(BinaryData Body, int Events)> Pack(IReadOnlyList<QueuedEvent> events, int version, int maxMessageBytes)
    {
        var packer = MessagePacker.Create(version, maxMessageBytes, 1000);
        var messages = new List<(BinaryData, int)>();
        foreach (var e in events)
        {
            if (!packer.TryAdd(e))
            {
                messages.Add((packer.Finish(), messages.Count));
                Assert.True(packer.TryAdd(e), "an event must always start a message");
            }
        }

        messages.Add((packer.Finish(), messages.Count));

        // The count each message really holds, read back.
        return messages.Select(m => (m.Item1, QueueMessageCodec.Decode(m.Item1).Count)).ToList();
    }

    private static QueuedEvent Event(string did, byte[] json) =>
        new() { EventId = "evt_" + did, QueuedAt = DateTimeOffset.UnixEpoch, Did = did, TimeUs = 1, EventJson = json };
}
