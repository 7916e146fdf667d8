using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Logging;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>Wake-on-write's log lines (event ids apart from <see cref="ConsumerLog"/>'s).</summary>
internal static partial class WakeLog
{
    [LoggerMessage(101, LogLevel.Information, "Wake-on-write: connecting to the Orleans cluster ({Clustering}, cluster {ClusterId}); queues are polled meanwhile")]
    public static partial void Connecting(ILogger logger, string clustering, string clusterId);

    [LoggerMessage(102, LogLevel.Information, "Wake-on-write: connected to the Orleans cluster")]
    public static partial void Connected(ILogger logger);

    [LoggerMessage(103, LogLevel.Warning, "Wake-on-write: lost the connection to the Orleans cluster; queues are polled until it is back")]
    public static partial void ConnectionLost(ILogger logger);

    [LoggerMessage(104, LogLevel.Information, "[{Subscription}] Woken by its processor's queue writes; an empty queue is polled every {IdlePollInterval}")]
    public static partial void Live(ILogger logger, string subscription, TimeSpan idlePollInterval);

    [LoggerMessage(105, LogLevel.Information, "[{Subscription}] No longer woken by its processor ({Reason}); polling every {MaxPollInterval} until the signal is back")]
    public static partial void NotLive(ILogger logger, string subscription, string reason, TimeSpan maxPollInterval);

    [LoggerMessage(106, LogLevel.Debug, "[{Subscription}] Watching its processor's queue writes failed again: {Reason}")]
    public static partial void RenewFailed(ILogger logger, string subscription, string reason);

    [LoggerMessage(107, LogLevel.Debug, "[{Subscription}] A poll found events no signal announced: renewing the registration with its processor now")]
    public static partial void Unannounced(ILogger logger, string subscription);

    [LoggerMessage(108, LogLevel.Warning, "Wake-on-write: stopping the Orleans client failed: {Reason}")]
    public static partial void StopFailed(ILogger logger, string reason);
}
