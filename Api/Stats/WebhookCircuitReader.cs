using Azure;
using Jetstream.Storage.Circuits;

namespace Jetstream.Api.Stats;

/// <summary>
/// Reads the endpoint circuit reports the consumers write (<see cref="EndpointCircuitStore"/>: the consumer is another
/// process, and writes a row on each transition) and sums them up per subscription: the worst current state wins, so
/// one consumer that cannot reach the endpoint shows. Bounded in time like the queue reads, so a storage outage cannot
/// hang a page.
/// </summary>
public sealed class WebhookCircuitReader(EndpointCircuitStore store, TimeProvider timeProvider, ILogger<WebhookCircuitReader> logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(2);

    public static readonly WebhookCircuitResponse Closed = new() { State = "closed" };

    public async Task<WebhookCircuitResponse> ReadAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var (reports, error) = await TryReadAsync(subscriptionId, cancellationToken);
        return error is null ? Summarize(reports, timeProvider.GetUtcNow()) : Unknown(error);
    }

    /// <summary>Every subscription's summary from one query, for the list and the overview; a subscription without rows is closed.</summary>
    public async Task<Func<string, WebhookCircuitResponse>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var (reports, error) = await TryReadAsync(null, cancellationToken);
        if (error is not null)
        {
            var unknown = Unknown(error);
            return _ => unknown;
        }

        var now = timeProvider.GetUtcNow();
        var bySubscription = reports.GroupBy(r => r.SubscriptionId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Summarize(g, now), StringComparer.Ordinal);
        return id => bySubscription.GetValueOrDefault(id, Closed);
    }

    /// <summary>
    /// The worst state among the current reports (open, then half-open, then closed); among open ones the longest open,
    /// among closed ones the latest. A report that is not closed and past its expiry is from a consumer that stopped
    /// without closing it, and is left out.
    /// </summary>
    public static WebhookCircuitResponse Summarize(IEnumerable<EndpointCircuitReport> reports, DateTimeOffset now)
    {
        var current = reports.Where(r => r.State == EndpointCircuitState.Closed || r.ExpiresAt is null || r.ExpiresAt > now).ToArray();
        var worst = current
            .OrderByDescending(r => Severity(r.State))
            .ThenBy(r => r.State == EndpointCircuitState.Closed ? -r.Since.UtcTicks : r.Since.UtcTicks)
            .FirstOrDefault();
        return worst is null
            ? Closed
            : new WebhookCircuitResponse
            {
                State = worst.State switch
                {
                    EndpointCircuitState.Open => "open",
                    EndpointCircuitState.HalfOpen => "halfOpen",
                    _ => "closed",
                },
                Since = worst.Since,
                LastError = worst.LastError,
                LastErrorAt = worst.LastErrorAt,
                NextProbeAt = worst.NextProbeAt,
                Consumers = current.Length,
            };
    }

    private static int Severity(EndpointCircuitState state) => state switch
    {
        EndpointCircuitState.Open => 2,
        EndpointCircuitState.HalfOpen => 1,
        _ => 0,
    };

    private static WebhookCircuitResponse Unknown(string error) => new() { State = "unknown", Error = error };

    private async Task<(IReadOnlyList<EndpointCircuitReport> Reports, string? Error)> TryReadAsync(string? subscriptionId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return (await store.ReadAsync(subscriptionId, timeout.Token), null);
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The status code and error code only: these answers are open to anyone, and a storage message names the account.
            var reason = ex switch
            {
                OperationCanceledException => $"no answer within {ReadTimeout.TotalSeconds} s",
                RequestFailedException failed => $"table storage answered {failed.Status} {failed.ErrorCode}".TrimEnd(),
                _ => "table storage unreachable",
            };
            ApiLog.CircuitReportsUnavailable(logger, reason);
            return ([], reason);
        }
    }
}
