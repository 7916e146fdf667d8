using System.ComponentModel.DataAnnotations;

namespace Jetstream.Storage;

/// <summary>Settings of the event queue shared by the processor (producer) and the webhook consumer. Section <c>Queue</c>.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queue";

    /// <summary>
    /// Queue name (Azure rules: 3-63 lowercase letters, digits and single hyphens). The dead-letter queue is
    /// <c>&lt;Name&gt;-poison</c>, so the name is limited to 56 characters.
    /// </summary>
    [Required]
    [RegularExpression("^(?=.{3,56}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$",
        ErrorMessage = "Queue:Name must be 3-56 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.")]
    public string Name { get; set; } = "jetstream-events";

    /// <summary>Blob container holding the bodies of events too large for one queue message.</summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$",
        ErrorMessage = "Queue:LargeEventContainer must be 3-63 lowercase letters, digits and single hyphens.")]
    public string LargeEventContainer { get; set; } = "jetstream-events-large";

    /// <summary>
    /// Largest message body written, in UTF-8 bytes. Azure's limit is 64 KiB; the default leaves room for the
    /// request's XML escaping. Several events are packed into one message up to this size.
    /// </summary>
    [Range(1024, 64 * 1024)]
    public int MaxMessageBytes { get; set; } = 60 * 1024;

    /// <summary>
    /// Most events packed into one message; 1 gives one message per event. The default leaves <see cref="MaxMessageBytes"/>
    /// to decide (about 80 typical commits fit in 60 KiB): storage cost is per request, so fuller messages are cheaper.
    /// </summary>
    [Range(1, 1000)]
    public int MaxEventsPerMessage { get; set; } = 256;

    /// <summary>
    /// Version of the messages the processor writes: 2 by default, compressed, about 2.1 times as many events per
    /// message (fewer queue requests per event), which consumers read since the release that introduced it; or 1, plain
    /// JSON, which every consumer of any release reads. Set 1 while consumers or an Api of a release that reads only
    /// version 1 are still in service (an upgrade from such a release); 1 is always safe. The consumers read both
    /// whatever this says. See docs/queue-contract.md.
    /// </summary>
    [Range(QueueMessageCodec.PlainVersion, QueueMessageCodec.LatestVersion,
        ErrorMessage = "Queue:MessageVersion must be 1 (plain, read by every consumer) or 2 (compressed, the default: read by consumers of the release that introduced it and later).")]
    public int MessageVersion { get; set; } = QueueMessageCodec.CompressedVersion;

    public string PoisonQueueName => Name + "-poison";
}
