namespace Jetstream.Api;

internal static partial class ApiLog
{
    [LoggerMessage(2, LogLevel.Warning, "Could not read the {Queue} queue's properties: {Reason}")]
    public static partial void QueuePropertiesUnavailable(ILogger logger, string queue, string reason);

    [LoggerMessage(3, LogLevel.Warning, "{Dependency}: answered {Method} {Path} with 503")]
    public static partial void DependencyUnavailable(ILogger logger, Exception exception, string dependency, string method, string path);

    [LoggerMessage(4, LogLevel.Warning, "Rejected {Method} {Path}: {Reason}")]
    public static partial void AdminRequestRejected(ILogger logger, string method, string path, string reason);

    [LoggerMessage(5, LogLevel.Information, "Statistics reset through the Api")]
    public static partial void StatsReset(ILogger logger);

    [LoggerMessage(6, LogLevel.Information, "Reconnection requested through the Api")]
    public static partial void ReconnectRequested(ILogger logger);

    [LoggerMessage(7, LogLevel.Information, "Subscription {Id} {Change} through the Api")]
    public static partial void SubscriptionChanged(ILogger logger, string id, string change);

    [LoggerMessage(8, LogLevel.Warning, "Subscription {Id} deleted with discard=true: {Queued} queued messages and {DeadLetters} dead letters dropped")]
    public static partial void SubscriptionDiscarded(ILogger logger, string id, long? queued, long? deadLetters);

    [LoggerMessage(9, LogLevel.Information, "Subscription {Id}: replay from {From} requested through the Api")]
    public static partial void ReplayRequested(ILogger logger, string id, DateTimeOffset from);

    [LoggerMessage(10, LogLevel.Warning, "Could not read the webhook endpoint circuit reports: {Reason}")]
    public static partial void CircuitReportsUnavailable(ILogger logger, string reason);
}
