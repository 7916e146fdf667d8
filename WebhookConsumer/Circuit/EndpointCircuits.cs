using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Jetstream.Storage.Circuits;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Circuit;

/// <summary>
/// Every subscription's <see cref="EndpointCircuit"/> in this consumer: one per subscription, kept while its webhook URL
/// stays the same (a changed secret or timeout keeps the circuit; a new URL is a new endpoint and starts closed). It logs
/// each transition, passes it on to <see cref="CircuitReporter"/> and exposes the <c>webhook.circuit.state</c> gauge.
/// </summary>
internal sealed class EndpointCircuits
{
    /// <summary>The gauge's values: higher is worse.</summary>
    public const int ClosedValue = 0, HalfOpenValue = 1, OpenValue = 2;

    private readonly ConcurrentDictionary<string, EndpointCircuit> _circuits = new(StringComparer.Ordinal);
    private readonly Channel<CircuitChange> _changes = Channel.CreateUnbounded<CircuitChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WebhookOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EndpointCircuits> _logger;

    public EndpointCircuits(IOptions<WebhookOptions> options, TimeProvider timeProvider, IMeterFactory meterFactory, ILogger<EndpointCircuits> logger)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;

        // The factory hands back the consumer's one meter for this name, so the gauge sits beside the other instruments.
        meterFactory.Create(WebhookConsumerMetrics.MeterName).CreateObservableGauge(
            "webhook.circuit.state",
            Observe,
            "{state}",
            "State of each subscription's webhook endpoint circuit: 0 closed, 1 half-open (a probe on its way), 2 open (sending stopped).");
    }

    /// <summary>Transitions and removals, in order, for the reporter.</summary>
    public ChannelReader<CircuitChange> Changes => _changes.Reader;

    public IEnumerable<EndpointCircuit> All => _circuits.Values;

    /// <summary>The subscription's circuit for <paramref name="url"/>: the same one while the URL stays.</summary>
    public EndpointCircuit For(string subscriptionId, string url, WebhookOptions options)
    {
        while (true)
        {
            if (_circuits.TryGetValue(subscriptionId, out var existing))
            {
                if (existing.Url == url)
                {
                    return existing;
                }

                var replacement = Create(subscriptionId, url, options);
                if (_circuits.TryUpdate(subscriptionId, replacement, existing))
                {
                    // The old endpoint's state no longer applies: report the new one (closed).
                    _changes.Writer.TryWrite(new CircuitChange(subscriptionId, replacement));
                    return replacement;
                }

                continue;
            }

            var created = Create(subscriptionId, url, options);
            if (_circuits.TryAdd(subscriptionId, created))
            {
                return created;
            }
        }
    }

    /// <summary>The subscription's loop has ended: its circuit and its reported state go (unless a newer one replaced it).</summary>
    public void Remove(EndpointCircuit circuit)
    {
        if (_circuits.TryRemove(new KeyValuePair<string, EndpointCircuit>(circuit.SubscriptionId, circuit)))
        {
            _changes.Writer.TryWrite(new CircuitChange(circuit.SubscriptionId, null));
        }
    }

    public static int GaugeValue(EndpointCircuitState state) => state switch
    {
        EndpointCircuitState.Open => OpenValue,
        EndpointCircuitState.HalfOpen => HalfOpenValue,
        _ => ClosedValue,
    };

    private EndpointCircuit Create(string subscriptionId, string url, WebhookOptions options) =>
        new(subscriptionId, url, options, _timeProvider, Changed);

    private void Changed(EndpointCircuit circuit)
    {
        if (!_circuits.TryGetValue(circuit.SubscriptionId, out var current) || !ReferenceEquals(current, circuit))
        {
            return;
        }

        var snapshot = circuit.Snapshot;
        switch (snapshot.State)
        {
            case EndpointCircuitState.Open:
                CircuitLog.Opened(_logger, circuit.SubscriptionId, (snapshot.NextProbeAt ?? snapshot.Since) - _timeProvider.GetUtcNow(), snapshot.LastError);
                break;
            case EndpointCircuitState.HalfOpen:
                CircuitLog.HalfOpened(_logger, circuit.SubscriptionId);
                break;
            default:
                CircuitLog.Closed(_logger, circuit.SubscriptionId, snapshot.Outage ?? TimeSpan.Zero);
                break;
        }

        _changes.Writer.TryWrite(new CircuitChange(circuit.SubscriptionId, circuit));
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        foreach (var circuit in _circuits.Values)
        {
            yield return new Measurement<int>(GaugeValue(circuit.State), new KeyValuePair<string, object?>(WebhookConsumerMetrics.SubscriptionTag, circuit.SubscriptionId));
        }
    }
}

/// <summary>A circuit's transition, or (<see cref="Circuit"/> null) its subscription's removal.</summary>
internal readonly record struct CircuitChange(string SubscriptionId, EndpointCircuit? Circuit);
