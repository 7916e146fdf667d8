using System.Security.Cryptography;
using System.Text.Json;
using Jetstream.Storage.Subscriptions;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Subscriptions;

/// <summary>
/// Turns a subscription document into <see cref="SubscriptionSettings"/>: <c>default</c> without a webhook of its own
/// uses <c>Webhook:*</c> exactly as the single-pipeline consumer did; any other webhook is unprotected here (never
/// logged) and its timeout kept within what the visibility timeout allows. A document that cannot be delivered gives
/// settings with a reason instead of an exception, so the loop waits and <c>/health</c> says why.
/// </summary>
internal sealed class SubscriptionSettingsFactory(IOptions<WebhookOptions> options, WebhookSecrets secrets)
{
    private readonly WebhookOptions _options = options.Value;

    /// <summary><c>default</c> from configuration alone (no document, or one without a webhook).</summary>
    public SubscriptionSettings FromConfiguration() => new()
    {
        Id = SubscriptionDocument.DefaultId,
        Webhook = string.IsNullOrWhiteSpace(_options.Url) ? null : _options,
        WaitReason = string.IsNullOrWhiteSpace(_options.Url) ? "no webhook: set Webhook:Url, or the subscription's webhook through the Api" : null,
    };

    public SubscriptionSettings FromDocument(StoredSubscription stored)
    {
        var document = stored.Document;
        var settings = document.Webhook is null && document.Id == SubscriptionDocument.DefaultId
            ? FromConfiguration()
            : FromWebhook(document.Id, document.Webhook);
        return settings with
        {
            Id = document.Id,
            Version = stored.Version,
            Reading = document.Enabled && document.Lifecycle == SubscriptionLifecycle.Active,
            Deleting = document.Lifecycle == SubscriptionLifecycle.Deleting,
            Discard = document.Lifecycle == SubscriptionLifecycle.Deleting && document.DiscardOnDelete,
        };
    }

    private SubscriptionSettings FromWebhook(string id, WebhookDocument? webhook)
    {
        if (webhook is null)
        {
            return Waiting(id, "the subscription has no webhook");
        }

        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return Waiting(id, "its webhook URL is not an absolute http(s) URL");
        }

        string secret;
        string? token;
        try
        {
            secret = string.Join(' ', secrets.UnprotectSecrets(webhook.ProtectedSecrets));
            token = secrets.UnprotectToken(webhook.ProtectedBearerToken);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            // The exception's own text is left out: it says nothing more useful, and no payload belongs in a log.
            return Waiting(id, "its webhook secrets cannot be decrypted (do the Api and this consumer share the key ring in Subscriptions:KeyContainer?)");
        }

        if (!WebhookSigner.TryParseSecrets(secret, out _, out var secretError))
        {
            return Waiting(id, "its webhook " + secretError);
        }

        // Longer attempts than half the visibility timeout could outlive a batch's invisibility (BatchProcessor's deadline).
        var longest = Math.Max(1, (int)(_options.VisibilityTimeout.TotalSeconds / 2));
        var timeout = Math.Clamp(webhook.TimeoutSeconds ?? _options.TimeoutSeconds, 1, longest);
        return new SubscriptionSettings
        {
            Id = id,
            Webhook = _options.WithReceiver(webhook.Url, secret, token, timeout)
                .WithBatches(webhook.BatchMaxEvents, webhook.BatchMaxBytes, webhook.BatchMaxWaitMs is { } wait ? TimeSpan.FromMilliseconds(wait) : null),
            MaxRequestsPerSecond = webhook.MaxRequestsPerSecond,
            UserSuppliedUrl = true,
            TimeoutSetting = webhook.TimeoutSeconds is null ? "Webhook:TimeoutSeconds" : "the subscription's webhook timeoutSeconds",
        };
    }

    private static SubscriptionSettings Waiting(string id, string reason) => new() { Id = id, WaitReason = reason };
}
