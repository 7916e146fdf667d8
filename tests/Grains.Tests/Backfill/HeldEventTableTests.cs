using System.Diagnostics.Metrics;
using Jetstream.Storage;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>The seam's table on Azurite: exact bytes over the 64 KiB property limit, rev order, a replayed commit one row, holds counted, deletes resumed, set rows removed together.</summary>
public sealed class HeldEventTableTests
{
    [Fact]
    public async Task Held_commits_read_back_in_rev_order_with_their_exact_bytes_once_each_counted_and_a_resumed_delete_ignores_rows_gone()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        long counted = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "jetstream.backfill.live.held" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        var table = new HeldEventTable(new StorageConnection(await SharedAzurite.GetConnectionStringAsync()),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { HeldTable = TestNames.Table("bfheldunit") }), new BackfillMetrics(meters));
        var big = new byte[150_000];
        Random.Shared.NextBytes(big);
        await table.AddAsync("sub", "did:plc:a", "3lrev00000020", Event("b", big), CancellationToken.None);
        await table.AddAsync("sub", "did:plc:a", "3lrev00000010", Event("a", "{\"x\":\"é\"}"u8.ToArray()), CancellationToken.None);
        await table.AddAsync("sub", "did:plc:a", "3lrev00000010", Event("a", "{\"x\":\"é\"}"u8.ToArray()), CancellationToken.None);
        await table.AddAsync("sub", "did:plc:a", "3lrev00000030", Event("c", []) with { BlobName = "evt_c.json" }, CancellationToken.None);
        await table.AddToSetAsync("sub", ["did:plc:a", HeldRelease.Everyone], CancellationToken.None);

        var held = await table.ReadAsync("sub", "did:plc:a", CancellationToken.None);
        var set = new List<string>();
        await table.LoadSetAsync("sub", set.Add, CancellationToken.None);

        Assert.Equal(["3lrev00000010", "3lrev00000020", "3lrev00000030"], held.Select(h => h.Rev));
        Assert.Equal("{\"x\":\"é\"}"u8.ToArray(), held[0].Event.EventJson.ToArray());
        Assert.Equal(big, held[1].Event.EventJson.ToArray());
        Assert.Equal("evt_c.json", held[2].Event.BlobName);
        Assert.Equal(["did:plc:a"], await table.HeldDidsAsync("sub", CancellationToken.None));
        // Every hold is counted, a commit held twice (a replay) twice: the metric counts the seam's writes.
        Assert.Equal(4, Interlocked.Read(ref counted));
        Assert.Equal([HeldRelease.Everyone, "did:plc:a"], set.Order(StringComparer.Ordinal));

        await table.DeleteAsync("sub", "did:plc:a", held.Take(1), CancellationToken.None);
        await table.DeleteAsync("sub", "did:plc:a", held, CancellationToken.None);
        Assert.Empty(await table.ReadAsync("sub", "did:plc:a", CancellationToken.None));
    }

    [Fact]
    public async Task Set_rows_removed_together_are_all_gone_even_when_some_were_removed_already()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var table = new HeldEventTable(new StorageConnection(await SharedAzurite.GetConnectionStringAsync()),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { HeldTable = TestNames.Table("bfsetunit") }),
            new BackfillMetrics(services.GetRequiredService<IMeterFactory>()));
        string[] dids = [.. Enumerable.Range(0, 130).Select(i => $"did:plc:set{i:D3}")];
        await table.AddToSetAsync("sub", [.. dids, "did:plc:stays"], CancellationToken.None);
        await table.RemoveFromSetAsync("sub", dids[5], CancellationToken.None);
        await table.RemoveFromSetAsync("sub", dids[120], CancellationToken.None);

        // Both transactions meet a row gone (a hand-over resumed after a silo's death): each goes one at a time.
        await table.RemoveFromSetAsync("sub", dids, CancellationToken.None);

        var set = new List<string>();
        await table.LoadSetAsync("sub", set.Add, CancellationToken.None);
        Assert.Equal(["did:plc:stays"], set);
    }

    [Fact]
    public async Task The_set_read_in_ranges_side_by_side_holds_every_row_once_at_each_ranges_edge_and_beyond_did_plc()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var table = new HeldEventTable(new StorageConnection(await SharedAzurite.GetConnectionStringAsync()),
            Microsoft.Extensions.Options.Options.Create(new BackfillOptions { HeldTable = TestNames.Table("bfranges") }),
            new BackfillMetrics(services.GetRequiredService<IMeterFactory>()));
        // Every first character of did:plc's alphabet, each with a DID just before and at a range's edge, the hold on
        // everyone, did:web and other methods, 2,500 more (pages of 1,000 in some ranges).
        List<string> dids = [HeldRelease.Everyone, "did:key:zabc", "did:plc:", "did:web:example.com", "did:web:a.example:u:v",
            .. "234567abcdefghijklmnopqrstuvwxyz".SelectMany(c => new[] { $"did:plc:{c}", $"did:plc:{c}zzzzzzzzzzzzzzzzzzzzzzz" }),
            .. Enumerable.Range(0, 2_500).Select(i => $"did:plc:{"234567abcdefghijklmnopqrstuvwxyz"[i % 32]}{i:D23}")];
        await table.AddToSetAsync("sub", dids, CancellationToken.None);
        await table.MarkReleasingAsync("sub", [new HeldRelease("did:plc:6", "3lrev1", false), new HeldRelease("did:web:example.com", "3lrev2", true)], CancellationToken.None);

        var set = new List<string>();
        var releases = await table.LoadSetAsync("sub", set.Add, CancellationToken.None);

        Assert.Equal(dids.Order(StringComparer.Ordinal), set.Order(StringComparer.Ordinal));
        Assert.Equal([new HeldRelease("did:plc:6", "3lrev1", false), new HeldRelease("did:web:example.com", "3lrev2", true)], releases);
    }

    private static QueuedEvent Event(string rkey, byte[] json) => new()
    {
        EventId = EventIds.ForCommit("did:plc:a", "app.test.item", rkey, "rev", "create"),
        QueuedAt = DateTimeOffset.UnixEpoch,
        Did = "did:plc:a",
        TimeUs = 1,
        EventJson = json,
    };
}
