using Jetstream.WebhookConsumer.Circuit;
using Jetstream.WebhookConsumer.Limits;
using Jetstream.WebhookConsumer.Subscriptions;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// A subscription's <see cref="WebhookSender"/> and <see cref="WebhookSigner"/>, made with its own options, and its
/// endpoint's circuit (the same one while its URL stays, see <see cref="EndpointCircuits"/>).
/// </summary>
internal sealed class WebhookSenderFactory(IHttpClientFactory clients, EndpointCircuits circuits, TimeProvider timeProvider)
{
    /// <param name="rateLimit">The subscription's <c>maxRequestsPerSecond</c>, kept by its loop (set when settings arrive, not here).</param>
    public WebhookSender Create(SubscriptionSettings settings, RequestRateLimit rateLimit)
    {
        var webhook = settings.Webhook ?? throw new ArgumentException($"Subscription '{settings.Id}' has no webhook.", nameof(settings));
        var options = Options.Create(webhook);
        var client = clients.CreateClient(settings.UserSuppliedUrl ? WebhookHttpClients.Subscription : WebhookHttpClients.Operator);
        var circuit = circuits.For(settings.Id, webhook.Url!, webhook);
        return new WebhookSender(client, new WebhookSigner(options), options, timeProvider, circuit, settings.TimeoutSetting, rateLimit);
    }
}
