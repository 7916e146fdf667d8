using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Tests.Backfill;

public sealed class RepairWalkTests
{
    [Fact]
    public async Task First_backfill_creates_every_record_in_key_order_and_indexes_each()
    {
        var (changes, kept) = await DiffAsync([Record("a.b.c", "1", 1), Record("a.b.c", "2", 2)], []);

        Assert.Equal([$"create a.b.c/1 {V("a.b.c", "1", 1)}", $"create a.b.c/2 {V("a.b.c", "2", 2)}"], changes);
        Assert.Equal(["a.b.c/1 v1", "a.b.c/2 v2"], kept);
    }

    [Fact]
    public async Task A_second_backfill_sends_nothing_for_unchanged_records_and_create_update_delete_for_the_rest()
    {
        var records = new[] { Record("a.b.c", "1", 1), Record("a.b.c", "3", 2), Record("a.b.c", "4", 1), Record("x.y.z", "9", 1) };
        // In the tree's order: "a.b.c/" < "a.b.gone/" < "a.b/" < "x.y.z/".
        var delivered = new[]
        {
            Delivered("a.b.c", "1", 1),
            Delivered("a.b.c", "2", 1),
            Delivered("a.b.c", "3", 1),
            Delivered("a.b.c", "5", 1),
            Delivered("a.b.gone", "7", 1),
            Delivered("a.b", "8", 1),
            Delivered("x.y.z", "9", 1),
        };

        var (changes, kept) = await DiffAsync(records, delivered);

        Assert.Equal(
        [
            $"delete a.b.c/2 {V("a.b.c", "2", 1)}", $"update a.b.c/3 {V("a.b.c", "3", 2)}", $"create a.b.c/4 {V("a.b.c", "4", 1)}",
            $"delete a.b.c/5 {V("a.b.c", "5", 1)}", $"delete a.b.gone/7 {V("a.b.gone", "7", 1)}", $"delete a.b/8 {V("a.b", "8", 1)}",
        ], changes);
        Assert.Equal(["a.b.c/1 v1", "a.b.c/3 v2", "a.b.c/4 v1", "x.y.z/9 v1"], kept);
    }

    [Fact]
    public async Task A_delivered_collection_outside_the_filter_is_kept_in_the_index_and_not_deleted()
    {
        var (changes, kept) = await DiffAsync(
            [Record("a.b.c", "2", 1)],
            [Delivered("a.b.c", "1", 1), Delivered("a.b.c", "2", 1), Delivered("a.bz", "1", 1), Delivered("other.thing", "1", 1)],
            new CollectionFilter(["a.b.*"]));

        Assert.Equal([$"delete a.b.c/1 {V("a.b.c", "1", 1)}"], changes);
        Assert.Equal(["a.b.c/2 v1", "a.bz/1 v1", "other.thing/1 v1"], kept);
    }

    [Fact]
    public async Task Records_out_of_the_tree_order_fail_the_repository()
    {
        var error = await Assert.ThrowsAsync<RepositoryFetchException>(() => DiffAsync([Record("a.b", "1", 1), Record("a.b.c", "1", 1)], []));

        Assert.Equal(RepositoryProblem.Invalid, error.Problem);
    }

    private static string V(string collection, string rkey, int version) => Cid(collection, rkey, version).ToString();

    private static Cid Cid(string collection, string rkey, int version) =>
        Atproto.Cids.Cid.Compute(Atproto.Cids.Cid.DagCborCodec, Encoding.UTF8.GetBytes($"{collection}/{rkey}#{version}"));

    private static RepositoryRecord Record(string collection, string rkey, int version) =>
        new(collection, rkey, V(collection, rkey, version), Encoding.UTF8.GetBytes("{\"$type\":\"" + collection + "\"}"));

    private static DeliveredRecord Delivered(string collection, string rkey, int version) => new(collection, rkey, Cid(collection, rkey, version));

    private static async Task<(List<string> Changes, List<string> Kept)> DiffAsync(RepositoryRecord[] records, DeliveredRecord[] delivered, CollectionFilter? filter = null)
    {
        var changes = new List<string>();
        var kept = new List<string>();
        await foreach (var step in RepairWalk.DiffAsync(records.ToAsyncEnumerable(), filter ?? new CollectionFilter([]), delivered.ToAsyncEnumerable(), CancellationToken.None))
        {
            if (step.Change is { } change)
            {
                changes.Add($"{change.Operation} {change.Collection}/{change.Rkey} {change.Cid}");
            }

            if (step.Kept is { } record)
            {
                var version = Enumerable.Range(1, 3).First(v => Cid(record.Collection, record.Rkey, v) == record.Cid);
                kept.Add($"{record.Collection}/{record.Rkey} v{version}");
            }
        }

        return (changes, kept);
    }
}
