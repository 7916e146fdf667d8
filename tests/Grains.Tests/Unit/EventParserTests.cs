using System.Text;
using System.Text.Json;
using Jetstream.Grains.Events;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Unit;

public sealed class EventParserTests
{
    public static TheoryData<int> SampleLines() => LineNumbers(RepoPaths.SampleEvents);

    public static TheoryData<int> CaptureLines() => LineNumbers(RepoPaths.Capture152);

    [Theory]
    [MemberData(nameof(SampleLines))]
    public void Every_sample_event_parses_to_the_fields_a_full_json_reader_sees(int line) =>
        AssertMatchesDom(File.ReadLines(RepoPaths.SampleEvents).ElementAt(line));

    [Theory]
    [MemberData(nameof(CaptureLines))]
    public void Every_captured_event_parses_to_the_fields_a_full_json_reader_sees(int line) =>
        AssertMatchesDom(File.ReadLines(RepoPaths.Capture152).ElementAt(line));

    [Fact]
    public void Samples_cover_every_kind()
    {
        var kinds = File.ReadLines(RepoPaths.SampleEvents)
            .Select(l => { EventParser.Parse(Encoding.UTF8.GetBytes(l), out var e); return e.Kind; })
            .ToHashSet();
        Assert.Equal([EventKind.Commit, EventKind.Identity, EventKind.Account], kinds.Order());
    }

    [Theory]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"x.y.z\",\"rkey\":\"k\"", ParseOutcome.InvalidJson)]
    [InlineData("not json", ParseOutcome.InvalidJson)]
    [InlineData("", ParseOutcome.InvalidJson)]
    [InlineData("[1,2]", ParseOutcome.NotAnObject)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"identity\",\"identity\":{}} trailing", ParseOutcome.InvalidJson)]
    [InlineData("{\"time_us\":1,\"kind\":\"identity\",\"identity\":{}}", ParseOutcome.MissingDid)]
    [InlineData("{\"did\":\"did:plc:a\",\"kind\":\"identity\",\"identity\":{}}", ParseOutcome.MissingTimeUs)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":\"12\",\"kind\":\"identity\"}", ParseOutcome.MissingTimeUs)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1}", ParseOutcome.MissingKind)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"sync\"}", ParseOutcome.UnknownKind)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\"}", ParseOutcome.CommitMissingObject)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"rkey\":\"k\"}}", ParseOutcome.CommitMissingCollection)]
    [InlineData("{\"did\":\"did:plc:a\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"collection\":\"x.y.z\",\"operation\":\"create\",\"rkey\":\"k\"}}", ParseOutcome.CommitMissingFields)]
    public void Malformed_events_are_rejected_with_the_reason(string json, ParseOutcome expected) =>
        Assert.Equal(expected, EventParser.Parse(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void Unknown_fields_v2_cursor_and_legacy_type_are_ignored()
    {
        var json = "{\"type\":\"com\",\"cursor\":42,\"did\":\"did:plc:a\",\"time_us\":1700000000000001,\"kind\":\"commit\",\"extra\":{\"nested\":[1,{\"a\":null}]},"
                   + "\"commit\":{\"type\":\"c\",\"rev\":\"3l\",\"operation\":\"delete\",\"collection\":\"work.doing.task\",\"rkey\":\"self\"}}";
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(ParseOutcome.Ok, EventParser.Parse(bytes, out var e));
        Assert.Equal(1700000000000001, e.TimeUs);
        Assert.Equal("work.doing.task", e.Collection.ToString(bytes));
        Assert.Equal("delete", e.Operation.ToString(bytes));
        Assert.Equal("self", e.Rkey.ToString(bytes));
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var json = "{\"did\":\"did:plc:\\u0061bc\",\"time_us\":5,\"kind\":\"commit\",\"commit\":{\"rev\":\"r\",\"operation\":\"create\",\"collection\":\"work.doing.\\u0074ask\",\"rkey\":\"k\"}}";
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Equal(ParseOutcome.Ok, EventParser.Parse(bytes, out var e));
        Assert.Equal("did:plc:abc", e.Did.ToString(bytes));
        Assert.Equal("work.doing.task", e.Collection.ToString(bytes));
    }

    private static void AssertMatchesDom(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        Assert.Equal(ParseOutcome.Ok, EventParser.Parse(bytes, out var parsed));
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(root.GetProperty("did").GetString(), parsed.Did.ToString(bytes));
        Assert.Equal(root.GetProperty("time_us").GetInt64(), parsed.TimeUs);
        var kind = root.GetProperty("kind").GetString();
        Assert.Equal(kind, parsed.Kind.ToString().ToLowerInvariant());
        if (kind == "commit")
        {
            var commit = root.GetProperty("commit");
            Assert.Equal(commit.GetProperty("collection").GetString(), parsed.Collection.ToString(bytes));
            Assert.Equal(commit.GetProperty("operation").GetString(), parsed.Operation.ToString(bytes));
            Assert.Equal(commit.GetProperty("rkey").GetString(), parsed.Rkey.ToString(bytes));
            Assert.Equal(commit.GetProperty("rev").GetString(), parsed.Rev.ToString(bytes));
        }
    }

    private static TheoryData<int> LineNumbers(string path)
    {
        var data = new TheoryData<int>();
        var count = File.ReadLines(path).Count();
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }
}
