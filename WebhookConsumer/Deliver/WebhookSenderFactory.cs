using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Limits;
using Jetstream.WebhookConsumer.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// A subscription's <see cref="WebhookSender"/> and <see cref="WebhookSigner"/>, made with its own options, and its
/// endpoint's circuit (the same one while its URL stays, see <see cref="EndpointCircuits"/>) and its request rate limit (the same one while its loop runs, see <see cref="RequestRateLimits"/>).
/// </summary>
internal sealed class WebhookSenderFactory(IHttpClientFactory clients, EndpointCircuits circuits, RequestRateLimits rateLimits, TimeProvider timeProvider)
{
    public WebhookSender Create(SubscriptionSettings settings)
    {
        var webhook = settings.Webhook ?? throw new ArgumentException($"Subscription '{settings.Id}' has no webhook.", nameof(settings));
        var options = Options.Create(webhook);
        var client = clients.CreateClient(settings.UserSuppliedUrl ? WebhookHttpClients.Subscription : WebhookHttpClients.Operator);
        var circuit = circuits.For(settings.Id, webhook.Url!, webhook);
        return new WebhookSender(client, new WebhookSigner(options), options, timeProvider, circuit, settings.TimeoutSetting,
            rateLimits.For(settings.Id, settings.MaxRequestsPerSecond));
    }

    /// <summary>New settings' <c>maxRequestsPerSecond</c>, for the requests already waiting on the subscription's limit.</summary>
    public void ApplyRateLimit(SubscriptionSettings settings) => rateLimits.For(settings.Id, settings.MaxRequestsPerSecond);

    /// <summary>The subscription's loop has ended: what its senders shared goes.</summary>
    public void Forget(string subscriptionId) => rateLimits.Remove(subscriptionId);
}
