using System.ComponentModel.DataAnnotations;

namespace Jetstream.WebhookConsumer.WakeOnWrite;

/// <summary>
/// Wake-on-write (section <c>WakeOnWrite</c>): the consumer joins the processors' cluster as an Orleans client (found by
/// the <c>Orleans:*</c> settings the silos read) and each subscription's processor calls it when a queue write is
/// acknowledged. Polling stays as the fallback, so a lost call costs latency, never an event.
/// </summary>
public sealed class WakeOnWriteOptions
{
    public const string SectionName = "WakeOnWrite";

    /// <summary>False: no cluster connection; every queue is polled as before (every <c>Webhook:MaxPollInterval</c> when empty).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Poll interval of an empty queue while its processor's signal is live and nothing waits hidden in the queue (no
    /// retry due, nothing in another consumer's hands): writes wake the consumer, so this poll only covers a lost
    /// signal and messages no write announces (a redrive). Otherwise the queue is polled as without the signal.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "WakeOnWrite:IdlePollInterval must be between 00:00:00.010 and 00:10:00.")]
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often each subscription's registration with its processor is renewed (its lease there is three times
    /// this): the longest a processor that moved to another silo goes unnoticed when no event shows it sooner.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:03:00", ErrorMessage = "WakeOnWrite:RenewInterval must be between 00:00:01 and 00:03:00.")]
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The lease asked of the processor: renewals may fail twice before it forgets the consumer.</summary>
    internal TimeSpan Lease => RenewInterval * 3;
}
