using Azure;
using Jetstream.WebhookConsumer.Hosting;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// What one subscription's delivery loop works from: its receiver (the consumer's <c>Webhook:*</c> settings with the
/// subscription's URL, secrets, bearer token and timeout in them) and where it is in its life. Made by
/// <see cref="SubscriptionSettingsFactory"/>; holds unprotected secrets, so it is never logged as a whole.
/// </summary>
internal sealed record SubscriptionSettings
{
    public required string Id { get; init; }

    /// <summary>The document version these came from; null for <c>default</c> without a document.</summary>
    public ETag? Version { get; init; }

    /// <summary>Null while the subscription cannot be delivered (<see cref="WaitReason"/> says why).</summary>
    public WebhookOptions? Webhook { get; init; }

    public string? WaitReason { get; init; }

    /// <summary>The webhook's <c>maxRequestsPerSecond</c> in this consumer process; null: none.</summary>
    public int? MaxRequestsPerSecond { get; init; }

    /// <summary>The URL came from a subscription document, so it goes through the client that refuses private addresses.</summary>
    public bool UserSuppliedUrl { get; init; }

    /// <summary>Where the attempt timeout was set, for the error of an attempt that timed out.</summary>
    public string TimeoutSetting { get; init; } = "Webhook:TimeoutSeconds";

    /// <summary>Its processor reads Jetstream (enabled, not being deleted): wake-on-write watches it only then.</summary>
    public bool Reading { get; init; } = true;

    /// <summary>Deleting: deliver what is queued, then remove queues and document.</summary>
    public bool Deleting { get; init; }

    /// <summary>Deleting with discard: the Api drops the queue itself; stop at once.</summary>
    public bool Discard { get; init; }

    /// <summary>The URL without user info, query or fragment, which may carry credentials: the only form that is logged.</summary>
    public string DisplayUrl => Webhook?.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : "(none)";
}
