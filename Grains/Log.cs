using Microsoft.Extensions.Logging;

namespace Jetstream.Grains;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Processor {Key}: connecting to {Url}")]
    public static partial void Connecting(ILogger logger, string key, Uri url);

    [LoggerMessage(2, LogLevel.Information, "Processor {Key}: connected to {Endpoint}")]
    public static partial void Connected(ILogger logger, string key, string endpoint);

    [LoggerMessage(3, LogLevel.Warning, "Processor {Key}: connection to {Endpoint} failed or ended; next attempt in {Delay}")]
    public static partial void ConnectionLost(ILogger logger, Exception? exception, string key, string endpoint, TimeSpan delay);

    [LoggerMessage(4, LogLevel.Error, "Processor {Key}: {Endpoint} rejected the subscription with HTTP {Status}: a setting is wrong (Jetstream:WantedCollections, Jetstream:WantedDids or Jetstream:Endpoints). Retrying in {Delay}")]
    public static partial void ConfigurationRejected(ILogger logger, string key, string endpoint, int status, TimeSpan delay);

    [LoggerMessage(5, LogLevel.Warning, "Processor {Key}: failing over from {From} to {To} after {Attempts} failed attempts")]
    public static partial void FailingOver(ILogger logger, string key, string from, string to, int attempts);

    [LoggerMessage(6, LogLevel.Warning, "Processor {Key}: frame rejected ({Reason}), {Length} bytes: {Preview}")]
    public static partial void ParseError(ILogger logger, string key, string reason, int length, string preview);

    [LoggerMessage(7, LogLevel.Warning, "Processor {Key}: {Suppressed} more frames rejected in the last minute (logging is rate-limited)")]
    public static partial void ParseErrorsSuppressed(ILogger logger, string key, long suppressed);

    [LoggerMessage(8, LogLevel.Warning, "Processor {Key}: skipped a frame: {Reason}")]
    public static partial void OversizeFrame(ILogger logger, string key, string reason);

    [LoggerMessage(9, LogLevel.Warning, "Processor {Key}: queue write failed (attempt {Attempt}); reading is paused, retrying in {Delay}")]
    public static partial void QueueWriteFailed(ILogger logger, Exception exception, string key, int attempt, TimeSpan delay);

    [LoggerMessage(10, LogLevel.Information, "Processor {Key}: queue writable again after {Attempts} attempts")]
    public static partial void QueueRecovered(ILogger logger, string key, int attempts);

    [LoggerMessage(11, LogLevel.Warning, "Processor {Key}: checkpoint write failed; will retry")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(12, LogLevel.Information, "Processor {Key}: starting at cursor {Cursor} ({Endpoint})")]
    public static partial void Starting(ILogger logger, string key, long? cursor, string? endpoint);

    [LoggerMessage(13, LogLevel.Information, "Processor {Key}: stopping at cursor {Cursor}")]
    public static partial void Stopping(ILogger logger, string key, long? cursor);

    [LoggerMessage(14, LogLevel.Warning, "Processor {Key}: no data or pong within {Timeout}; replacing the socket")]
    public static partial void LivenessTimeout(ILogger logger, string key, TimeSpan timeout);

    [LoggerMessage(15, LogLevel.Information, "Processor {Key}: reconnect requested")]
    public static partial void ReconnectRequested(ILogger logger, string key);

    [LoggerMessage(16, LogLevel.Warning, "Processor {Key}: could not register the keep-alive reminder; the processor will not move to another silo by itself")]
    public static partial void ReminderUnavailable(ILogger logger, Exception exception, string key);

    [LoggerMessage(17, LogLevel.Information, "Processor {Key}: settings applied (enabled {Enabled}, {Collections} collections, {Dids} DIDs)")]
    public static partial void SettingsApplied(ILogger logger, string key, bool enabled, int collections, int dids);

    [LoggerMessage(18, LogLevel.Information, "Processor {Key}: filters sent to the open socket as options_update ({Collections} collections, {Dids} DIDs)")]
    public static partial void FiltersUpdated(ILogger logger, string key, int collections, int dids);

    [LoggerMessage(19, LogLevel.Information, "Processor {Key}: replay requested from cursor {Cursor}")]
    public static partial void ReplayRequested(ILogger logger, string key, long cursor);

    [LoggerMessage(20, LogLevel.Information, "Processor {Key}: deleted; cursor, statistics and reminder removed")]
    public static partial void Deleted(ILogger logger, string key);

    [LoggerMessage(21, LogLevel.Warning, "Processor {Key}: no such subscription (or it is being deleted); deactivating")]
    public static partial void NoSuchSubscription(ILogger logger, string key);

    [LoggerMessage(22, LogLevel.Warning, "Processor {Key}: {Endpoint} does not know our zstd dictionary ({Message}); refetched: {Refetched}, else connecting uncompressed")]
    public static partial void DictionaryRefused(ILogger logger, string key, string endpoint, string? message, bool refetched);

    [LoggerMessage(23, LogLevel.Information, "Processor {Key}: {Endpoint} says {Name}: {Message}")]
    public static partial void ServerNotice(ILogger logger, string key, string endpoint, string? name, string? message);

    [LoggerMessage(24, LogLevel.Warning, "Processor {Key}: GAP in the stream from {Endpoint}: {Reason}, events from {From} to {To} ({Unit}) are no longer served and were not received")]
    public static partial void GapRecorded(ILogger logger, string key, string endpoint, string reason, long from, long to, string unit);

    [LoggerMessage(25, LogLevel.Warning, "Processor {Key}: zstd dictionary for {Endpoint}: {Problem}")]
    public static partial void DictionaryProblem(ILogger logger, string key, string endpoint, string problem);
}
