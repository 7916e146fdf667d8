using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Jetstream.Storage.Subscriptions;

/// <summary>Protects a subscription's signing secrets and bearer token for storage, and reads them back for delivery.</summary>
public sealed class WebhookSecrets(IDataProtectionProvider provider)
{
    // The purpose ties payloads to this use: a payload made for anything else does not unprotect here.
    private readonly IDataProtector _protector = provider.CreateProtector("Jetstream.Subscriptions.Webhook.v1");

    public string? ProtectSecrets(IReadOnlyList<string> secrets) =>
        secrets.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(secrets.ToArray(), SubscriptionJsonContext.Default.StringArray));

    public string[] UnprotectSecrets(string? payload) =>
        payload is null ? [] : JsonSerializer.Deserialize(_protector.Unprotect(payload), SubscriptionJsonContext.Default.StringArray) ?? [];

    public string? ProtectToken(string? token) => string.IsNullOrEmpty(token) ? null : _protector.Protect(token);

    public string? UnprotectToken(string? payload) => payload is null ? null : _protector.Unprotect(payload);
}
