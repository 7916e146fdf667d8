namespace Jetstream.Api.Subscriptions;

/// <summary>What the Api accepts as a subscription's webhook URL (section <c>Webhook</c>, as on the consumer).</summary>
public sealed class WebhookUrlOptions
{
    public const string SectionName = "Webhook";

    /// <summary>Allow receivers on loopback, private, link-local and reserved addresses (tests, <c>--offline</c>, a private cluster).</summary>
    public bool AllowPrivateNetworks { get; set; }
}
