using Jetstream.Storage.Circuits;
using Jetstream.Grains.Interfaces.Retries;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Circuit;

/// <summary>
/// Writes each circuit transition to <see cref="EndpointCircuitStore"/> (one row per subscription and consumer), where
/// the Api, a separate process, reads it for <c>/status</c>, the stats and the dashboard. Only transitions are written,
/// never a request: a closed circuit costs nothing, and an outage costs a write per probe. While a circuit is not
/// closed its row is also rewritten every <see cref="Heartbeat"/> and carries an expiry of three heartbeats, so a
/// consumer that dies with its circuit open leaves a row the Api knows to ignore. Writes of one subscription are
/// coalesced (the latest state wins) and a failed write is tried again at the next change or heartbeat. On a graceful
/// stop the consumer removes its rows.
/// </summary>
internal sealed class CircuitReporter(EndpointCircuits circuits, EndpointCircuitStore store, TimeProvider timeProvider, ILogger<CircuitReporter> logger)
    : BackgroundService
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(1);
    private static readonly Backoff WriteRetry = Backoff.Fixed(TimeSpan.FromSeconds(5));

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private readonly FailureStreak _writeFailures = new(WriteRetry, timeProvider);

    /// <summary>This consumer process in the table's row keys: its host name and a per-start suffix.</summary>
    public string ConsumerId { get; } = $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(Environment.MachineName.Length + 9, 72)];

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var subscriptionId in _written)
        {
            try
            {
                await store.DeleteAsync(subscriptionId, ConsumerId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // It expires (open) or says closed: either way the Api shows nothing wrong for long.
                CircuitLog.ReportFailed(logger, subscriptionId, ex.Message);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var due = new Dictionary<string, EndpointCircuit?>(StringComparer.Ordinal);
        var nextHeartbeat = timeProvider.GetUtcNow() + Heartbeat;
        Task<bool>? changed = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = nextHeartbeat - timeProvider.GetUtcNow();
            if (due.Count == 0 && wait > TimeSpan.Zero)
            {
                // One wait for changes outstanding at a time: a heartbeat that comes first leaves it for the next round.
                changed ??= circuits.Changes.WaitToReadAsync(stoppingToken).AsTask();
                await Task.WhenAny(changed, Task.Delay(wait, timeProvider, stoppingToken));
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                if (changed.IsCompleted)
                {
                    changed = null;
                }
            }

            while (circuits.Changes.TryRead(out var change))
            {
                due[change.SubscriptionId] = change.Circuit;
            }

            if (timeProvider.GetUtcNow() >= nextHeartbeat)
            {
                nextHeartbeat = timeProvider.GetUtcNow() + Heartbeat;
                foreach (var circuit in circuits.All)
                {
                    if (circuit.Snapshot.State != EndpointCircuitState.Closed)
                    {
                        due.TryAdd(circuit.SubscriptionId, circuit);
                    }
                }
            }

            foreach (var (subscriptionId, circuit) in due.ToArray())
            {
                if (await TryWriteAsync(subscriptionId, circuit, stoppingToken))
                {
                    due.Remove(subscriptionId);
                }
            }

            if (due.Count > 0)
            {
                // Storage is failing: try again at the next heartbeat, or sooner with the next change.
                await _writeFailures.FailedAndWaitAsync(stoppingToken);
            }
        }
    }

    private async Task<bool> TryWriteAsync(string subscriptionId, EndpointCircuit? circuit, CancellationToken cancellationToken)
    {
        try
        {
            if (circuit is null)
            {
                // Forgotten only once deleted: a stop that cuts this short deletes it in StopAsync.
                if (_written.Contains(subscriptionId))
                {
                    await store.DeleteAsync(subscriptionId, ConsumerId, cancellationToken);
                    _written.Remove(subscriptionId);
                }

                return true;
            }

            var snapshot = circuit.Snapshot;
            var now = timeProvider.GetUtcNow();
            await store.WriteAsync(
                new EndpointCircuitReport
                {
                    SubscriptionId = subscriptionId,
                    ConsumerId = ConsumerId,
                    State = snapshot.State,
                    Since = snapshot.Since,
                    LastError = snapshot.LastError,
                    LastErrorAt = snapshot.LastErrorAt,
                    NextProbeAt = snapshot.NextProbeAt,
                    ReportedAt = now,
                    ExpiresAt = snapshot.State == EndpointCircuitState.Closed ? null : now + (3 * Heartbeat),
                },
                cancellationToken);
            _written.Add(subscriptionId);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            CircuitLog.ReportFailed(logger, subscriptionId, ex.Message);
            return false;
        }
    }
}
