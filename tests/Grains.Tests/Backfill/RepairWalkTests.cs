using System.Text;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Tests.Backfill;

public sealed class RepairWalkTests
{
    [Fact]
    public async Task First_backfill_creates_every_record_in_key_order()
    {
        var changes = await DiffAsync([Record("a.b.c", "1", "cid1"), Record("a.b.c", "2", "cid2")], []);

        Assert.Equal(["create a.b.c/1 cid1", "create a.b.c/2 cid2"], changes);
    }

    [Fact]
    public async Task A_second_backfill_sends_nothing_for_unchanged_records_and_create_update_delete_for_the_rest()
    {
        var records = new[] { Record("a.b.c", "1", "cid1"), Record("a.b.c", "3", "cid3-new"), Record("a.b.c", "4", "cid4"), Record("x.y.z", "9", "cid9") };
        var delivered = new[]
        {
            new DeliveredRecord("a.b.c", "1", "cid1"),
            new DeliveredRecord("a.b.c", "2", "cid2"),
            new DeliveredRecord("a.b.c", "3", "cid3"),
            new DeliveredRecord("a.b.c", "5", "cid5"),
            new DeliveredRecord("a.b.gone", "7", "cid7"),
            new DeliveredRecord("x.y.z", "9", "cid9"),
        };

        var changes = await DiffAsync(records, delivered);

        Assert.Equal(["delete a.b.c/2 cid2", "update a.b.c/3 cid3-new", "create a.b.c/4 cid4", "delete a.b.c/5 cid5", "delete a.b.gone/7 cid7"], changes);
    }

    [Fact]
    public async Task A_delivered_collection_outside_the_filter_is_left_alone()
    {
        var changes = await DiffAsync([], [new DeliveredRecord("other.thing", "1", "cid1")], new CollectionFilter(["a.b.*"]));

        Assert.Empty(changes);
    }

    private static RepositoryRecord Record(string collection, string rkey, string cid) =>
        new(collection, rkey, cid, Encoding.UTF8.GetBytes("{\"$type\":\"" + collection + "\"}"));

    private static async Task<List<string>> DiffAsync(RepositoryRecord[] records, DeliveredRecord[] delivered, CollectionFilter? filter = null)
    {
        var result = new List<string>();
        await foreach (var change in RepairWalk.DiffAsync(
                           records.ToAsyncEnumerable(),
                           filter ?? new CollectionFilter([]),
                           collection => delivered.Where(d => d.Collection == collection).OrderBy(d => d.Rkey, StringComparer.Ordinal).ToAsyncEnumerable(),
                           () => delivered.ToAsyncEnumerable(),
                           CancellationToken.None))
        {
            result.Add($"{change.Operation} {change.Collection}/{change.Rkey} {change.Cid}");
        }

        return result;
    }
}
