using System.Diagnostics.Metrics;

namespace Jetstream.Grains.Backfill;

/// <summary>The backfill's OpenTelemetry instruments (meter <see cref="MeterName"/>, exported with every <c>Jetstream.*</c> meter).</summary>
public sealed class BackfillMetrics
{
    public const string MeterName = "Jetstream.Backfill";

    private readonly Counter<long> _repos;
    private readonly Counter<long> _records;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _verificationFailures;
    private readonly Counter<long> _parked;
    private readonly Counter<long> _held;

    public BackfillMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _repos = meter.CreateCounter<long>("jetstream.backfill.repos", "{repository}", "Repositories finished, by outcome (done, skipped, failed).");
        _records = meter.CreateCounter<long>("jetstream.backfill.records", "{record}", "Backfilled changes queued, by operation (create, update, delete).");
        _bytes = meter.CreateCounter<long>("jetstream.backfill.bytes", "By", "Repository (CAR) bytes read from PDSes.");
        _verificationFailures = meter.CreateCounter<long>("jetstream.backfill.verification_failures", "{repository}", "Repositories that failed a check (hash, DID, signature, tree).");
        _parked = meter.CreateCounter<long>("jetstream.backfill.hosts.parked", "{parking}", "Times a PDS host was parked, by reason (rate_limited, failing).");
        _held = meter.CreateCounter<long>("jetstream.backfill.live.held", "{commit}", "Live commits held while their repository is backfilled (stored in Backfill:HeldTable).");
    }

    public void RepoFinished(string outcome) => _repos.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Queued(string operation, long count) => _records.Add(count, new KeyValuePair<string, object?>("operation", operation));

    public void BytesRead(long bytes) => _bytes.Add(bytes);

    public void VerificationFailed() => _verificationFailures.Add(1);

    public void LiveHeld() => _held.Add(1);

    public void HostParked(string reason) => _parked.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
