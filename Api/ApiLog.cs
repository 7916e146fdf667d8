namespace Jetstream.Api;

internal static partial class ApiLog
{
    [LoggerMessage(1, LogLevel.Warning, "No Orleans gateway reachable ({Reason}); retrying in {DelaySeconds} s")]
    public static partial void GatewayUnreachable(ILogger logger, string reason, double delaySeconds);

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
}
