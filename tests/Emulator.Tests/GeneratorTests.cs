using System.Text.Json;
using System.Text.RegularExpressions;

namespace Jetstream.Emulator.Tests;

public sealed partial class GeneratorTests
{
    [Fact]
    public void The_same_seed_gives_the_same_events_and_another_seed_does_not()
    {
        var a = new EventGenerator(42).Take(500).ToList();
        var b = new EventGenerator(42).Take(500).ToList();
        var c = new EventGenerator(43).Take(500).ToList();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Generated_events_have_the_jetstream_v1_shapes()
    {
        var seen = new HashSet<string>();
        foreach (var json in new EventGenerator(1).Take(5_000))
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var did = root.GetProperty("did").GetString()!;
            Assert.Matches(DidPattern(), did);
            Assert.True(root.GetProperty("time_us").GetInt64() > 1_700_000_000_000_000);
            var kind = root.GetProperty("kind").GetString()!;
            Assert.Equal(["did", "time_us", "kind", kind], root.EnumerateObject().Select(p => p.Name));
            var body = root.GetProperty(kind);
            switch (kind)
            {
                case "commit":
                    var operation = body.GetProperty("operation").GetString()!;
                    var collection = body.GetProperty("collection").GetString()!;
                    Assert.Matches(TidPattern(), body.GetProperty("rev").GetString()!);
                    var rkey = body.GetProperty("rkey").GetString()!;
                    Assert.True(rkey == "self" || TidPattern().IsMatch(rkey), rkey);
                    if (operation == "delete")
                    {
                        Assert.False(body.TryGetProperty("record", out _));
                        Assert.False(body.TryGetProperty("cid", out _));
                    }
                    else
                    {
                        var record = body.GetProperty("record");
                        Assert.Equal("$type", record.EnumerateObject().First().Name);
                        Assert.Equal(collection, record.GetProperty("$type").GetString());
                        Assert.True(DateTimeOffset.TryParse(record.GetProperty("createdAt").GetString(), out _));
                        Assert.Matches(CidPattern(), body.GetProperty("cid").GetString()!);
                        if (record.TryGetProperty("text", out var text) && text.GetString()!.Any(ch => ch > 127))
                        {
                            seen.Add("unicode text");
                        }
                    }

                    seen.Add($"commit {operation}");
                    break;
                case "identity":
                    Assert.Equal(did, body.GetProperty("did").GetString());
                    Assert.True(body.GetProperty("seq").GetInt64() > 0);
                    seen.Add(body.TryGetProperty("handle", out _) ? "identity with handle" : "identity without handle");
                    break;
                case "account":
                    Assert.Equal(["active", "did", "seq"], body.EnumerateObject().Select(p => p.Name).Take(3));
                    var active = body.GetProperty("active").GetBoolean();
                    Assert.Equal(!active, body.TryGetProperty("status", out _));
                    seen.Add(active ? "account active" : "account inactive");
                    break;
                default:
                    Assert.Fail($"unexpected kind {kind}");
                    break;
            }
        }

        Assert.Equal(
            ["account active", "account inactive", "commit create", "commit delete", "commit update", "identity with handle", "identity without handle", "unicode text"],
            seen.Order());
    }

    [Fact]
    public void The_profile_decides_the_kind_mix_and_the_weighted_collections()
    {
        var profile = new GeneratorProfile
        {
            CommitShare = 0.05,
            Collections = ["work.doing.foo", "blue.2048.game", "app.bsky.feed.like"],
            CollectionWeights = [1, 3, 0],
        };
        var events = new EventGenerator(9, profile).Take(4_000).Select(j => JsonDocument.Parse(j).RootElement).ToList();

        var commits = events.Where(e => e.GetProperty("kind").GetString() == "commit").ToList();
        var collections = commits.Select(e => e.GetProperty("commit").GetProperty("collection").GetString()).ToList();
        Assert.InRange(commits.Count, 100, 320);
        Assert.DoesNotContain("app.bsky.feed.like", collections);
        Assert.True(collections.Count(c => c == "blue.2048.game") > collections.Count(c => c == "work.doing.foo"));
    }

    [Fact]
    public void A_profile_with_mismatched_weights_or_a_bad_collection_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new EventGenerator(1, new GeneratorProfile { Collections = ["a.b.c"], CollectionWeights = [1, 2] }));
        Assert.Throws<ArgumentException>(() => new EventGenerator(1, new GeneratorProfile { Collections = ["not an nsid"] }));
    }

    [GeneratedRegex("^[234567a-z]{13}$")]
    private static partial Regex TidPattern();

    [GeneratedRegex("^bafyrei[a-z2-7]{52}$")]
    private static partial Regex CidPattern();

    [GeneratedRegex("^did:plc:[a-z2-7]{24}$")]
    private static partial Regex DidPattern();
}
