using Jetstream.Atproto.DagCbor;

namespace Atproto.Emulator.Tests;

public sealed class RecordGeneratorTests
{
    [Fact]
    public void Every_record_shape_is_canonical_DAG_CBOR_that_round_trips_through_atproto_JSON()
    {
        var options = new AtprotoEmulatorOptions
        {
            Accounts = 2,
            MatchingRecords = 9,
            OtherRecords = 9,
            OtherCollections = ["app.bsky.feed.like", "app.bsky.graph.follow", "com.example.thing-with-dash"],
        };
        var accounts = new AccountDirectory(options);
        var generator = new RecordGenerator(options);
        string? previous = null;
        var count = 0;
        foreach (var (path, record) in generator.Records(accounts[1], []))
        {
            Assert.True(previous is null || string.CompareOrdinal(previous, path) < 0, $"{path} after {previous}");
            previous = path;
            DagCborJson.Validate(record);
            var json = DagCborJson.ToJsonUtf8(record);
            Assert.Equal(record, DagCborJson.FromJson(System.Text.Encoding.UTF8.GetString(json)));
            var collection = path[..path.IndexOf('/')];
            Assert.True(generator.IsGenerated(collection, path[(path.IndexOf('/') + 1)..]));
            count++;
        }
        Assert.Equal(18, count);
        Assert.False(generator.IsGenerated("app.bsky.feed.post", "3zzzzzzzzzzzz"));
    }
}
