using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Jetstream.Grains.Backfill;
using Jetstream.Grains.Interfaces.Backfill;
using Jetstream.TestSupport.Backfill;
using Microsoft.Extensions.DependencyInjection;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>The backfill's instruments, read with a <see cref="MeterListener"/> from a backfill in the in-process cluster.</summary>
public sealed class BackfillMetricsTests
{
    private const string Wanted = "app.test.item";

    [Fact]
    public async Task Repositories_records_bytes_verification_failures_and_parked_hosts_are_counted_where_they_happen()
    {
        var network = new FakeNetwork();
        network.Add("did:plc:ok0", "pds1.example", records: 4);
        network.Add("did:plc:ok1", "pds1.example", records: 3);
        network.Add("did:plc:limited", "pds2.example", records: 2, fault: FakeFault.RateLimitedOnce);
        network.Add("did:plc:gone", "pds2.example", records: 3, fault: FakeFault.Takendown);
        network.Add("did:plc:bad", "pds3.example", records: 5, fault: FakeFault.TamperedLate);
        network.Add("did:plc:down", "pds9.example", records: 2, fault: FakeFault.HostDown);
        await using var scenario = await BackfillScenario.StartAsync(network, [Wanted]);

        // Only this cluster's meter: other tests' clusters in the same process have instruments of the same names.
        var factory = scenario.Cluster.Silos[0].ServiceProvider.GetRequiredService<IMeterFactory>();
        var measured = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BackfillMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }

            measured.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        listener.Start();

        await scenario.Job.Start(null);
        var status = await scenario.WaitForEndAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(new BackfillRepoCounts(6, 0, 3, 1, 2), status.Repos);
        long Read(string key) => measured.GetValueOrDefault(key);
        Assert.Equal(3, Read("jetstream.backfill.repos|outcome=done"));
        Assert.Equal(1, Read("jetstream.backfill.repos|outcome=skipped"));
        Assert.Equal(2, Read("jetstream.backfill.repos|outcome=failed"));
        Assert.Equal(9, Read("jetstream.backfill.records|operation=create"));
        Assert.True(Read("jetstream.backfill.bytes") > 0, "no bytes counted");
        Assert.Equal(1, Read("jetstream.backfill.verification_failures"));
        Assert.Equal(1, Read("jetstream.backfill.hosts.parked|reason=rate_limited"));

        // Backfill:MaxAttempts 3: two failures park the host, the third ends the repository failed.
        Assert.Equal(2, Read("jetstream.backfill.hosts.parked|reason=failing"));
    }
}
