using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Processing;

internal static partial class WatcherLog
{
    [LoggerMessage(1, LogLevel.Debug, "Processor {Key}: consumer {Observer} watches its queue writes ({Count} watching)")]
    public static partial void Added(ILogger logger, string key, string observer, int count);

    [LoggerMessage(2, LogLevel.Debug, "Processor {Key}: consumer {Observer} no longer watches its queue writes: {Reason} ({Count} watching)")]
    public static partial void Removed(ILogger logger, string key, string observer, string reason, int count);
}
