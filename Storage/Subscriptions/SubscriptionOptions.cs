using System.ComponentModel.DataAnnotations;

namespace Jetstream.Storage.Subscriptions;

/// <summary>Where subscriptions live and how their queues are named. Section <c>Subscriptions</c>.</summary>
public sealed class SubscriptionOptions
{
    public const string SectionName = "Subscriptions";

    /// <summary>Blob container with one JSON document per subscription.</summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$",
        ErrorMessage = "Subscriptions:Container must be 3-63 lowercase letters, digits and single hyphens.")]
    public string Container { get; set; } = "jetstream-subscriptions";

    /// <summary>Blob container holding the Data Protection key ring shared by the Api and the consumers.</summary>
    [Required]
    [RegularExpression("^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$",
        ErrorMessage = "Subscriptions:KeyContainer must be 3-63 lowercase letters, digits and single hyphens.")]
    public string KeyContainer { get; set; } = "jetstream-keys";

    /// <summary>
    /// Queue name prefix of every subscription but <c>default</c> (which keeps <c>Queue:Name</c>): <c>&lt;prefix&gt;-&lt;id&gt;</c>
    /// and <c>&lt;prefix&gt;-&lt;id&gt;-poison</c>. At most 15 characters, so every id up to 40 characters fits Azure's 63.
    /// </summary>
    [Required]
    [RegularExpression("^(?=.{1,15}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$|^[a-z0-9]$",
        ErrorMessage = "Subscriptions:QueuePrefix must be 1-15 lowercase letters, digits and single hyphens.")]
    public string QueuePrefix { get; set; } = "sub";

    /// <summary>
    /// Azure Table where each consumer reports the state of each subscription's endpoint circuit (one row per
    /// subscription and consumer, written on transitions), for the Api to show.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$",
        ErrorMessage = "Subscriptions:CircuitTable must be 3-63 letters and digits, starting with a letter.")]
    public string CircuitTable { get; set; } = "jetstreamcircuits";

    /// <summary>How often a consumer re-reads the subscription list (new, changed, deleted ones).</summary>
    [Range(1, 3600, ErrorMessage = "Subscriptions:RefreshSeconds must be between 1 and 3600.")]
    public int RefreshSeconds { get; set; } = 5;
}
