using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

internal static partial class BackfillCleanupLog
{
    [LoggerMessage(230, LogLevel.Information, "Backfill {Subscription}: the deleted subscription's backfill rows and repair indexes removed ({Removed})")]
    public static partial void Removed(ILogger logger, string subscription, long removed);

    [LoggerMessage(231, LogLevel.Warning, "Backfill {Subscription}: removing the deleted subscription's backfill rows and repair indexes failed after {Removed}; its reminder tries again within a minute")]
    public static partial void Failed(ILogger logger, Exception exception, string subscription, long removed);
}
