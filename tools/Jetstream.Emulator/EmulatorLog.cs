using Microsoft.Extensions.Logging;

namespace Jetstream.Emulator;

internal static partial class EmulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "Subscriber {Id} connected: {Url}")]
    public static partial void Connected(ILogger logger, int id, string url);

    [LoggerMessage(2, LogLevel.Information, "Subscriber {Id} disconnected after {EventsSent} events ({How})")]
    public static partial void Disconnected(ILogger logger, int id, long eventsSent, string how);

    [LoggerMessage(3, LogLevel.Information, "Rejected {Url}: {Reason}")]
    public static partial void Rejected(ILogger logger, string url, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Subscriber {Id} is too slow: its outbox of {Capacity} events is full, closing without a close frame")]
    public static partial void SlowConsumerDropped(ILogger logger, int id, int capacity);

    [LoggerMessage(5, LogLevel.Information, "Subscriber {Id} options_update: {Collections} collections, {Dids} DIDs (hello: {IsHello})")]
    public static partial void OptionsUpdated(ILogger logger, int id, int collections, int dids, bool isHello);

    [LoggerMessage(6, LogLevel.Information, "Subscriber {Id} sent invalid options, closing: {Reason}")]
    public static partial void OptionsRejected(ILogger logger, int id, string reason);

    [LoggerMessage(7, LogLevel.Information, "Subscriber {Id} sent a message of type '{Type}', ignored")]
    public static partial void IgnoredClientMessage(ILogger logger, int id, string? type);

    [LoggerMessage(8, LogLevel.Information, "Feed source: {Source}; events per second: {EventsPerSecond}")]
    public static partial void FeedStarted(ILogger logger, string source, double eventsPerSecond);

    [LoggerMessage(9, LogLevel.Warning, "Subscriber {Id} is sent ConsumerTooSlow: resume at cursor {Resume}")]
    public static partial void ConsumerTooSlow(ILogger logger, int id, long resume);
}
