using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Backfill;

internal static partial class BackfillLog
{
    [LoggerMessage(200, LogLevel.Information, "Backfill {Subscription}: run {Run} started ({Source})")]
    public static partial void Started(ILogger logger, string subscription, long run, string source);

    [LoggerMessage(201, LogLevel.Information, "Backfill {Subscription}: run {Run} {State}: {Done} done, {Skipped} skipped, {Failed} failed, {Records} records")]
    public static partial void Finished(ILogger logger, string subscription, long run, string state, int done, int skipped, int failed, long records);

    [LoggerMessage(202, LogLevel.Warning, "Backfill {Subscription}: discovery at the relay failed; it starts again")]
    public static partial void DiscoveryFailed(ILogger logger, Exception exception, string subscription);

    [LoggerMessage(203, LogLevel.Warning, "Backfill {Subscription}: host {Host} parked until {Until} ({Reason})")]
    public static partial void HostParked(ILogger logger, string subscription, string host, DateTimeOffset until, string reason);

    [LoggerMessage(204, LogLevel.Warning, "Backfill {Subscription}: repository {Did} {State}: {Reason}")]
    public static partial void RepoProblem(ILogger logger, string subscription, string did, string state, string reason);

    [LoggerMessage(205, LogLevel.Warning, "Backfill {Subscription}: reporting {Did}'s outcome to the job failed (attempt {Attempt})")]
    public static partial void ReportFailed(ILogger logger, Exception exception, string subscription, string did, int attempt);

    [LoggerMessage(206, LogLevel.Warning, "Backfill {Subscription}: a step of the job failed; it is tried again")]
    public static partial void StepFailed(ILogger logger, Exception exception, string subscription);

    [LoggerMessage(207, LogLevel.Information, "Backfill {Subscription}: {Did} handed over to live: {Queued} held commits queued, {Dropped} dropped (in the snapshot at {Rev})")]
    public static partial void HandedOver(ILogger logger, string subscription, string did, int queued, int dropped, string? rev);

    [LoggerMessage(208, LogLevel.Warning, "Backfill {Subscription}: the seam's storage failed ({Step}); it is tried again")]
    public static partial void SeamStepFailed(ILogger logger, Exception exception, string subscription, string step);

    [LoggerMessage(209, LogLevel.Warning, "Backfill {Subscription}: created with a backfill that was not started within {GraceSeconds} s (the Api stopped in between?); the processor starts it: {Outcome}")]
    public static partial void FirstStartRecovered(ILogger logger, string subscription, int graceSeconds, string outcome);

    [LoggerMessage(210, LogLevel.Warning, "Backfill {Subscription}: starting the backfill it was created with failed; it is tried again")]
    public static partial void FirstStartFailed(ILogger logger, Exception exception, string subscription);

    [LoggerMessage(211, LogLevel.Information, "Backfill {Subscription}: run {Run} discovered {Repos} repositories at the relay")]
    public static partial void Discovered(ILogger logger, string subscription, long run, int repos);

    [LoggerMessage(212, LogLevel.Information, "Backfill {Subscription}: the hold on every repository ended; {Repos} repositories held meanwhile are handed over")]
    public static partial void HoldOnEveryoneEnded(ILogger logger, string subscription, int repos);

    [LoggerMessage(213, LogLevel.Information, "Backfill {Subscription}: {Repos} repositories handed over to live with no commit held")]
    public static partial void HandedOverNothingHeld(ILogger logger, string subscription, int repos);

    [LoggerMessage(214, LogLevel.Warning, "Backfill {Subscription}: the processor was activated again while it stored the repositories discovered; discovery starts again")]
    public static partial void DiscoveryHoldLost(ILogger logger, string subscription);
}
