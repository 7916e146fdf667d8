using System.Diagnostics;
using System.Formats.Cbor;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Tests.Repo;

public sealed class ForgedRepoTests
{
    private static readonly AtprotoPrivateKey Key = AtprotoPrivateKey.Generate("k256");
    private static readonly BuiltRepo Built = TestRepos.Builder(Key, ("app.bsky.feed.post", 200)).Build(TestRepos.Rev);

    [Fact]
    public async Task A_changed_record_block_is_refused_naming_its_cid_when_the_walk_reads_it()
    {
        var (cid, block) = Built.Blocks[^1];
        var changed = block.ToArray();
        changed[^1] ^= 1;
        using var snapshot = await ReadAsync(Replace(Built, cid, cid, changed));
        snapshot.Verify(TestRepos.Alice, Key.PublicKey);
        var error = await Assert.ThrowsAsync<AtprotoException>(() => TestRepos.RecordsAsync(snapshot));
        Assert.Equal($"CAR block {cid} does not hash to its CID: the CAR is corrupt or forged", error.Message);
    }

    [Fact]
    public async Task A_changed_block_of_a_collection_the_filter_rules_out_is_never_used()
    {
        // Blocks are hashed when read back: one nothing reads cannot reach a record the walk yields.
        var built = TestRepos.Builder(Key, ("app.bsky.feed.like", 50), ("app.bsky.feed.post", 50)).Build(TestRepos.Rev);
        using var honest = await ReadAsync(built);
        var likes = await TestRepos.RecordsAsync(honest, "app.bsky.feed.like");
        var posts = await TestRepos.RecordsAsync(honest, "app.bsky.feed.post");
        var changed = built.Blocks.Single(b => b.Cid == likes[^1].Cid).Block.ToArray();
        changed[^1] ^= 1;
        var tampered = Replace(built, likes[^1].Cid, likes[^1].Cid, changed);

        using var snapshot = await ReadAsync(tampered);
        Assert.Equal(posts.Select(r => (r.Cid, Convert.ToHexString(r.Record.Span))), (await TestRepos.RecordsAsync(snapshot, "app.bsky.feed.post")).Select(r => (r.Cid, Convert.ToHexString(r.Record.Span))));
        using var all = await ReadAsync(tampered);
        var error = await Assert.ThrowsAsync<AtprotoException>(() => TestRepos.RecordsAsync(all, "app.bsky.feed.like"));
        Assert.Equal($"CAR block {likes[^1].Cid} does not hash to its CID: the CAR is corrupt or forged", error.Message);
    }

    [Fact]
    public async Task A_record_swapped_for_another_leaves_the_tree_pointing_at_a_missing_block()
    {
        var (cid, _) = Built.Blocks[^1];
        var other = DagCborJson.FromJson("""{"$type":"app.bsky.feed.post","text":"not what was signed"}""");
        using var snapshot = await ReadAsync(Replace(Built, cid, Cid.Compute(Cid.DagCborCodec, other), other));
        snapshot.Verify(TestRepos.Alice, Key.PublicKey);
        var error = await Assert.ThrowsAsync<AtprotoException>(() => TestRepos.RecordsAsync(snapshot));
        Assert.Equal($"CAR is missing block {cid}", error.Message);
    }

    [Fact]
    public async Task A_changed_commit_does_not_verify()
    {
        var commit = Built.Commit;
        var forged = EncodeCommit(commit.Did, commit.Data, Tid.FromTime(DateTimeOffset.UtcNow), commit.Sig.ToArray());
        var forgedCid = Cid.Compute(Cid.DagCborCodec, forged);
        using var snapshot = await ReadAsync(Built with { CommitCid = forgedCid, Blocks = [(forgedCid, forged), .. Built.Blocks.Skip(1)] });
        var error = Assert.Throws<RepoVerificationException>(() => snapshot.Verify(TestRepos.Alice, Key.PublicKey));
        Assert.Equal($"commit {forgedCid} of {TestRepos.Alice}: the signature does not verify with the k256 key", error.Message);
    }

    [Theory]
    [InlineData("k256")]
    [InlineData("p256")]
    public async Task A_signature_from_another_key_does_not_verify(string curve)
    {
        var other = AtprotoPrivateKey.Generate(curve);
        using var snapshot = await ReadAsync(TestRepos.Builder(other, ("app.bsky.feed.post", 3)).Build(TestRepos.Rev));
        snapshot.Verify(TestRepos.Alice, other.PublicKey);
        Assert.Throws<RepoVerificationException>(() => snapshot.Verify(TestRepos.Alice, Key.PublicKey));
    }

    [Fact]
    public async Task Another_accounts_commit_is_refused()
    {
        using var snapshot = await ReadAsync(Built);
        var error = Assert.Throws<RepoVerificationException>(() => snapshot.Verify(Did.Parse("did:plc:someoneelse"), Key.PublicKey));
        Assert.Equal($"commit {Built.CommitCid} is for {TestRepos.Alice}, not did:plc:someoneelse", error.Message);
    }

    [Fact]
    public async Task A_truncated_or_oversized_repository_gets_a_clear_error_fast()
    {
        var car = await Built.ToCarBytesAsync();
        var clock = Stopwatch.StartNew();
        var truncated = await Assert.ThrowsAsync<AtprotoException>(() => RepoSnapshot.ReadAsync(new MemoryStream(car[..(car.Length - 10)])));
        Assert.Contains("truncated", truncated.Message);
        var oversized = await Assert.ThrowsAsync<AtprotoException>(() =>
            RepoSnapshot.ReadAsync(new MemoryStream(car), new CarReadOptions { MaxTotalBytes = car.Length - 1 }));
        Assert.Contains("MaxTotalBytes", oversized.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_car_whose_root_is_not_a_commit_is_refused()
    {
        var error = await Assert.ThrowsAsync<AtprotoException>(() => ReadAsync(Built with { CommitCid = Built.Blocks[1].Cid }));
        Assert.StartsWith($"commit {Built.Blocks[1].Cid}:", error.Message);
    }

    [Fact]
    public async Task A_commit_field_the_reader_does_not_know_is_still_held_to_the_data_model()
    {
        var commit = Built.Commit;
        var withExtra = new CborWriter(CborConformanceMode.Canonical);
        withExtra.WriteStartMap(7);
        foreach (var (key, write) in new (string, Action<CborWriter>)[]
                 {
                     ("did", w => w.WriteTextString(commit.Did.Value)), ("rev", w => w.WriteTextString(commit.Rev.Value)),
                     ("sig", w => w.WriteByteString(commit.Sig.Span)), ("data", w => DagCborWrite.Cid(w, commit.Data)),
                     ("prev", w => w.WriteNull()), ("extra", w => w.WriteDouble(1.5)), ("version", w => w.WriteInt32(3)),
                 })
        {
            withExtra.WriteTextString(key);
            write(withExtra);
        }
        withExtra.WriteEndMap();
        var block = withExtra.Encode();
        var cid = Cid.Compute(Cid.DagCborCodec, block);
        var error = await Assert.ThrowsAsync<AtprotoException>(() => ReadAsync(Built with { CommitCid = cid, Blocks = [(cid, block), .. Built.Blocks.Skip(1)] }));
        Assert.Equal($"commit {cid}: floats are not allowed in atproto data", error.Message);
    }

    internal static byte[] EncodeCommit(Did did, Cid data, Tid rev, byte[] sig)
    {
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(6);
        writer.WriteTextString("did");
        writer.WriteTextString(did.Value);
        writer.WriteTextString("rev");
        writer.WriteTextString(rev.Value);
        writer.WriteTextString("sig");
        writer.WriteByteString(sig);
        writer.WriteTextString("data");
        DagCborWrite.Cid(writer, data);
        writer.WriteTextString("prev");
        writer.WriteNull();
        writer.WriteTextString("version");
        writer.WriteInt32(3);
        writer.WriteEndMap();
        return writer.Encode();
    }

    private static BuiltRepo Replace(BuiltRepo repo, Cid old, Cid cid, byte[] block) =>
        repo with { Blocks = repo.Blocks.Select(b => b.Cid == old ? (cid, (ReadOnlyMemory<byte>)block) : b).ToList() };

    private static Task<RepoSnapshot> ReadAsync(BuiltRepo repo) => TestRepos.ReadAsync(repo);
}
