using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.Circuit;

/// <summary>The endpoint circuits' log lines (ids from 100, apart from <see cref="ConsumerLog"/>'s); errors are redacted by the circuit.</summary>
internal static partial class CircuitLog
{
    [LoggerMessage(100, LogLevel.Warning, "[{Subscription}] Webhook endpoint circuit open: no requests until the probe in {Break} (last error: {LastError}); waiting events spend no attempts")]
    public static partial void Opened(ILogger logger, string subscription, TimeSpan @break, string? lastError);

    [LoggerMessage(101, LogLevel.Debug, "[{Subscription}] Webhook endpoint circuit half-open: one probe request on its way")]
    public static partial void HalfOpened(ILogger logger, string subscription);

    [LoggerMessage(102, LogLevel.Information, "[{Subscription}] Webhook endpoint circuit closed after {Outage}: delivering again at full speed")]
    public static partial void Closed(ILogger logger, string subscription, TimeSpan outage);

    [LoggerMessage(103, LogLevel.Warning, "[{Subscription}] Could not report the endpoint circuit's state to table storage ({Error}); trying again")]
    public static partial void ReportFailed(ILogger logger, string subscription, string error);
}
