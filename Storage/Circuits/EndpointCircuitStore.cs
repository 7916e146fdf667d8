using Azure;
using Azure.Data.Tables;
using Jetstream.Storage.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.Storage.Circuits;

/// <summary>
/// The endpoint circuits' states as the consumers report them: one row per subscription (partition) and consumer (row)
/// in the Azure Table <c>Subscriptions:CircuitTable</c>. Consumers write a row when their circuit changes state (and,
/// while it is not closed, again before the row expires); the Api reads them. A table rather than blobs: one query
/// returns every consumer's row of a subscription, or of all subscriptions for the overview.
/// </summary>
public sealed class EndpointCircuitStore
{
    private readonly TableClient _table;
    private readonly CreateOnce _creation;

    public EndpointCircuitStore(StorageConnection connection, IOptions<SubscriptionOptions> options)
    {
        _table = connection.Table(options.Value.CircuitTable);
        _creation = new CreateOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    public async Task WriteAsync(EndpointCircuitReport report, CancellationToken cancellationToken = default)
    {
        await _creation.EnsureAsync(cancellationToken);
        var entity = new TableEntity(report.SubscriptionId, report.ConsumerId)
        {
            ["State"] = report.State.ToString(),
            ["Since"] = report.Since,
            ["LastError"] = report.LastError,
            ["LastErrorAt"] = report.LastErrorAt,
            ["NextProbeAt"] = report.NextProbeAt,
            ["ReportedAt"] = report.ReportedAt,
            ["ExpiresAt"] = report.ExpiresAt,
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task DeleteAsync(string subscriptionId, string consumerId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.DeleteEntityAsync(subscriptionId, consumerId, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No table yet: nothing to remove.
        }
    }

    /// <summary>Every consumer's row of <paramref name="subscriptionId"/>, or of every subscription when it is null.</summary>
    public async Task<IReadOnlyList<EndpointCircuitReport>> ReadAsync(string? subscriptionId, CancellationToken cancellationToken = default)
    {
        var reports = new List<EndpointCircuitReport>();
        try
        {
            var rows = subscriptionId is null
                ? _table.QueryAsync<TableEntity>(cancellationToken: cancellationToken)
                : _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {subscriptionId}"), cancellationToken: cancellationToken);
            await foreach (var row in rows)
            {
                if (Enum.TryParse<EndpointCircuitState>(row.GetString("State"), out var state))
                {
                    reports.Add(new EndpointCircuitReport
                    {
                        SubscriptionId = row.PartitionKey,
                        ConsumerId = row.RowKey,
                        State = state,
                        Since = row.GetDateTimeOffset("Since") ?? DateTimeOffset.MinValue,
                        LastError = row.GetString("LastError"),
                        LastErrorAt = row.GetDateTimeOffset("LastErrorAt"),
                        NextProbeAt = row.GetDateTimeOffset("NextProbeAt"),
                        ReportedAt = row.GetDateTimeOffset("ReportedAt") ?? DateTimeOffset.MinValue,
                        ExpiresAt = row.GetDateTimeOffset("ExpiresAt"),
                    });
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No consumer has reported yet.
        }

        return reports;
    }

}
