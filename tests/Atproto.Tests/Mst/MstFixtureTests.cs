using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Mst;

namespace Jetstream.Atproto.Tests.Mst;

public sealed class MstFixtureTests
{
    private const string Leaf = "bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454";

    [Fact]
    public void Key_heights_match_the_interop_fixture()
    {
        foreach (var fixture in Fixture.Json("mst/key_heights.json").EnumerateArray())
        {
            var key = fixture.GetProperty("key").GetString()!;
            Assert.True(fixture.GetProperty("height").GetInt32() == MstKey.Height(Encoding.UTF8.GetBytes(key)), key);
        }
    }

    [Fact]
    public void Common_prefix_lengths_match_the_interop_fixture()
    {
        foreach (var fixture in Fixture.Json("mst/common_prefix.json").EnumerateArray())
        {
            var left = Encoding.UTF8.GetBytes(fixture.GetProperty("left").GetString()!);
            var right = Encoding.UTF8.GetBytes(fixture.GetProperty("right").GetString()!);
            Assert.Equal(fixture.GetProperty("len").GetInt32(), MstKey.CommonPrefixLength(left, right));
        }
    }

    // Root CIDs the reference implementations agree on (indigo atproto/repo/mst/mst_interop_test.go, @atproto/repo's MST tests).
    [Theory]
    [InlineData("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")]
    [InlineData("bafyreibj4lsc3aqnrvphp5xmrnfoorvru4wynt6lwidqbm2623a6tatzdu", "3jqfcqzm3fo2j")]
    [InlineData("bafyreih7wfei65pxzhauoibu3ls7jgmkju4bspy4t2ha2qdjnzqvoy33ai", "3jqfcqzm3fx2j")]
    [InlineData("bafyreicmahysq4n6wfuxo522m6dpiy7z7qzym3dzs756t5n7nfdgccwq7m", "3jqfcqzm3fp2j", "3jqfcqzm3fr2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm4fc2j")]
    [InlineData("bafyreifnqrwbk6ffmyaz5qtujqrzf5qmxf7cbxvgzktl4e3gabuxbtatv4", "3jqfcqzm3fn2j", "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fu2j")]
    [InlineData("bafyreiettyludka6fpgp33stwxfuwhkzlur6chs4d2v4nkmq2j3ogpdjem", "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fr2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fz2j", "3jqfcqzm4fc2j", "3jqfcqzm4fd2j", "3jqfcqzm4ff2j", "3jqfcqzm4fg2j", "3jqfcqzm4fh2j")]
    [InlineData("bafyreid2x5eqs4w4qxvc5jiwda4cien3gw2q6cshofxwnvv7iucrmfohpm", "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fr2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fx2j", "3jqfcqzm3fz2j", "3jqfcqzm4fc2j", "3jqfcqzm4fd2j", "3jqfcqzm4ff2j", "3jqfcqzm4fg2j", "3jqfcqzm4fh2j")]
    public void Built_trees_have_the_root_cids_the_reference_implementations_compute(string root, params string[] rkeys)
    {
        var entries = rkeys.Select(r => (Encoding.ASCII.GetBytes($"com.example.record/{r}"), Cid.Parse(Leaf)))
            .OrderBy(e => e.Item1, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        Assert.Equal(root, MstBuilder.Build(entries, []).ToString());
    }
}
