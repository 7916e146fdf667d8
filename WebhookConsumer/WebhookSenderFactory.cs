using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer;

/// <summary>A subscription's <see cref="WebhookSender"/> and <see cref="WebhookSigner"/>, made with its own options.</summary>
internal sealed class WebhookSenderFactory(IHttpClientFactory clients, TimeProvider timeProvider)
{
    public WebhookSender Create(SubscriptionSettings settings)
    {
        var options = Options.Create(settings.Webhook ?? throw new ArgumentException($"Subscription '{settings.Id}' has no webhook.", nameof(settings)));
        var client = clients.CreateClient(settings.UserSuppliedUrl ? WebhookHttpClients.Subscription : WebhookHttpClients.Operator);
        return new WebhookSender(client, new WebhookSigner(options), options, timeProvider, settings.TimeoutSetting);
    }
}
