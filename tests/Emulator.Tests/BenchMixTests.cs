using System.Text;
using System.Text.Json;
using Jetstream.Emulator;

namespace Jetstream.Emulator.Tests;

/// <summary>The two event mixes of the bench's cold-and-warm runs (issue 20): the capture looped as new commits, and all-non-ASCII posts.</summary>
public sealed class BenchMixTests
{
    [Fact]
    public void A_looped_capture_with_new_revs_repeats_the_file_then_gives_each_later_pass_new_revs_and_keeps_every_other_byte()
    {
        var path = Jetstream.TestSupport.RepoPaths.Capture152;
        var lines = JsonlReplayer.ReadLines(path).Select(Encoding.UTF8.GetBytes).ToArray();
        var replayer = new JsonlReplayer(path, newRevs: true);

        var passes = Enumerable.Range(0, 3).Select(_ => lines.Select(_ => replayer.NextUtf8()).ToArray()).ToArray();

        Assert.Equal(lines, passes[0]);
        for (var i = 0; i < lines.Length; i++)
        {
            var revs = new HashSet<string>(StringComparer.Ordinal);
            using var original = JsonDocument.Parse(lines[i]);
            var isCommit = original.RootElement.GetProperty("kind").GetString() == "commit";
            foreach (var pass in passes)
            {
                Assert.Equal(lines[i].Length, pass[i].Length);
                using var looped = JsonDocument.Parse(pass[i]);
                if (isCommit)
                {
                    var rev = looped.RootElement.GetProperty("commit").GetProperty("rev").GetString()!;
                    Assert.True(revs.Add(rev), $"line {i} had rev {rev} in two passes");
                    var before = $"\"rev\":\"{original.RootElement.GetProperty("commit").GetProperty("rev").GetString()}\"";
                    Assert.Equal(Encoding.UTF8.GetString(lines[i]).Replace(before, $"\"rev\":\"{rev}\"", StringComparison.Ordinal), Encoding.UTF8.GetString(pass[i]));
                }
                else
                {
                    Assert.Equal(lines[i], pass[i]);
                }
            }
        }
    }

    [Fact]
    public void Without_new_revs_a_looped_capture_repeats_the_file_byte_for_byte()
    {
        var path = Jetstream.TestSupport.RepoPaths.Capture152;
        var replayer = new JsonlReplayer(path);
        var first = Enumerable.Range(0, replayer.Count).Select(_ => replayer.NextUtf8()).ToArray();

        Assert.Equal(first, Enumerable.Range(0, replayer.Count).Select(_ => replayer.NextUtf8()).ToArray());
    }

    [Fact]
    public void Posts_with_non_ASCII_text_only_carry_a_non_ASCII_text_in_every_event()
    {
        var generator = new EventGenerator(42, new GeneratorProfile
        {
            CommitShare = 1,
            Collections = ["app.bsky.feed.post"],
            UpdateShare = 0,
            DeleteShare = 0,
            NonAsciiTextOnly = true,
        });

        foreach (var json in generator.Take(2_000))
        {
            using var document = JsonDocument.Parse(json);
            var text = document.RootElement.GetProperty("commit").GetProperty("record").GetProperty("text").GetString()!;
            Assert.Contains(text, c => c > '\u007f');
        }
    }

    [Fact]
    public void The_default_generator_is_unchanged_by_the_non_ASCII_option()
    {
        Assert.Equal(new EventGenerator(7).Take(500), new EventGenerator(7, new GeneratorProfile { NonAsciiTextOnly = false }).Take(500));
    }
}
