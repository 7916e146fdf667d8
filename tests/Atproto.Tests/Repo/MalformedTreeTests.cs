using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Mst;
using Jetstream.Atproto.Repo;

namespace Jetstream.Atproto.Tests.Repo;

/// <summary>Trees a correct writer never makes, each signed properly so that only the walk can catch them.</summary>
public sealed class MalformedTreeTests
{
    private static readonly AtprotoPrivateKey Key = AtprotoPrivateKey.Generate("k256");
    private static readonly byte[] Record = DagCborJson.FromJson("""{"$type":"com.example.record","n":1}""");
    private static readonly Cid RecordCid = Cid.Compute(Cid.DagCborCodec, Record);

    // Heights (SHA-256 of com.example.record/3jqfcqzm…): 3fn2j, 3fo2j, 3fp2j, 4fc2j are 0; 3fs2j is 1.
    private static byte[] K(string rkey) => Encoding.ASCII.GetBytes($"com.example.record/{rkey}");

    [Fact]
    public async Task Keys_out_of_order_are_refused()
    {
        var root = Node(null, Entry("3jqfcqzm3fp2j"), Entry("3jqfcqzm3fo2j"));
        await AssertMalformed([root], "is not after");
    }

    [Fact]
    public async Task A_key_at_the_wrong_height_is_refused()
    {
        var root = Node(null, Entry("3jqfcqzm3fo2j"), Entry("3jqfcqzm3fs2j"));
        await AssertMalformed([root], "of height 1 is in a node of height 0");
    }

    [Fact]
    public async Task A_subtree_below_height_zero_is_refused()
    {
        var child = Node(null, Entry("3jqfcqzm3fn2j"));
        var root = Node(child.Cid, Entry("3jqfcqzm3fo2j"));
        await AssertMalformed([root, child], "a node at height 0 points to a subtree");
    }

    [Fact]
    public async Task An_empty_node_inside_the_tree_is_refused()
    {
        var empty = Node(null);
        var root = Node(empty.Cid, Entry("3jqfcqzm3fs2j"));
        await AssertMalformed([root, empty], "an empty node inside the tree");
    }

    [Fact]
    public async Task A_root_that_is_only_a_pointer_is_refused()
    {
        var child = Node(null, Entry("3jqfcqzm3fo2j"));
        var root = Node(child.Cid);
        await AssertMalformed([root, child], "the root is only a pointer");
    }

    [Fact]
    public async Task A_subtree_key_outside_its_parents_bounds_is_refused()
    {
        var child = Node(null, Entry("3jqfcqzm3fp2j"));
        var root = Node(child.Cid, Entry("3jqfcqzm3fs2j"));
        var badChild = Node(null, Entry("3jqfcqzm4fc2j"));
        var badRoot = Node(badChild.Cid, Entry("3jqfcqzm3fs2j"));
        Assert.Equal(2, (await WalkAsync([root, child])).Count);
        await AssertMalformed([badRoot, badChild], "is not before");
    }

    [Fact]
    public async Task A_missing_node_is_named()
    {
        var child = Node(null, Entry("3jqfcqzm3fp2j"));
        var root = Node(child.Cid, Entry("3jqfcqzm3fs2j"));
        var error = await Assert.ThrowsAsync<AtprotoException>(() => WalkAsync([root]));
        Assert.Equal($"CAR is missing block {child.Cid}", error.Message);
    }

    [Fact]
    public async Task A_prefix_length_that_is_not_the_shared_prefix_is_refused()
    {
        // Two entries encoded by hand: the second says it shares 5 bytes where it shares the whole collection.
        var first = "{\"k\":{\"$bytes\":\"" + B64(K("3jqfcqzm3fo2j")) + "\"},\"p\":0,\"t\":null,\"v\":{\"$link\":\"" + RecordCid + "\"}}";
        var second = "{\"k\":{\"$bytes\":\"" + B64(K("3jqfcqzm3fp2j")[5..]) + "\"},\"p\":5,\"t\":null,\"v\":{\"$link\":\"" + RecordCid + "\"}}";
        var json = "{\"e\":[" + first + "," + second + "],\"l\":null}";
        var block = DagCborJson.FromJson(json);
        await AssertMalformed([(Cid.Compute(Cid.DagCborCodec, block), block)], "is not the prefix it shares");
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static MstEntry Entry(string rkey) => new(K(rkey), RecordCid, null);

    private static (Cid Cid, byte[] Block) Node(Cid? left, params MstEntry[] entries)
    {
        var block = new MstNode(left, entries).Encode();
        return (Cid.Compute(Cid.DagCborCodec, block), block);
    }

    private static async Task AssertMalformed(IReadOnlyList<(Cid Cid, byte[] Block)> nodes, string reason)
    {
        var error = await Assert.ThrowsAsync<AtprotoException>(() => WalkAsync(nodes));
        Assert.StartsWith("repository tree is malformed at node b", error.Message.Replace("tree node", "repository tree is malformed at node"));
        Assert.Contains(reason, error.Message);
    }

    private static async Task<List<RepoRecord>> WalkAsync(IReadOnlyList<(Cid Cid, byte[] Block)> nodes)
    {
        var (commit, commitBlock) = Commit.Sign(TestRepos.Alice, nodes[0].Cid, TestRepos.Rev, Key);
        var commitCid = Cid.Compute(Cid.DagCborCodec, commitBlock);
        var blocks = new List<(Cid, ReadOnlyMemory<byte>)> { (commitCid, commitBlock), (RecordCid, Record) };
        blocks.AddRange(nodes.Select(n => (n.Cid, (ReadOnlyMemory<byte>)n.Block)));
        using var snapshot = await TestRepos.ReadAsync(new BuiltRepo(commitCid, commit, blocks));
        snapshot.Verify(TestRepos.Alice, Key.PublicKey);
        return await TestRepos.RecordsAsync(snapshot);
    }
}
