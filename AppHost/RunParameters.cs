using System.Security.Cryptography;

namespace Jetstream.AppHost;

/// <summary>The run's parameters, shown in the dashboard (secrets masked) and handed to the hosts that need them.</summary>
internal static class RunParameters
{
    /// <summary>
    /// The Api's admin token: <c>Api__AdminToken</c> when set, otherwise generated for this run (not stored anywhere,
    /// printed once in the banner).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddAdminToken(this IDistributedApplicationBuilder builder) =>
        builder.Configuration["Api:AdminToken"] is { Length: > 0 } configured
            ? builder.AddParameter("admin-token", configured, secret: true)
            : builder.AddParameter("admin-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

    /// <summary>Where the consumer POSTs when it is not offline: <c>Webhook__Url</c> (checked at start).</summary>
    public static IResourceBuilder<ParameterResource> AddWebhookUrl(this IDistributedApplicationBuilder builder) =>
        builder.AddParameterFromConfiguration("webhook-url", "Webhook:Url");

    /// <summary>
    /// Offline, the secret the consumer signs with and the receiver checks: <c>Webhook__Secret</c> when set, otherwise
    /// a new Standard Webhooks secret (<c>whsec_</c> and 32 random bytes in base64).
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddWebhookSecret(this IDistributedApplicationBuilder builder) =>
        builder.AddParameter(
            "webhook-secret",
            builder.Configuration["Webhook:Secret"] is { Length: > 0 } configured ? configured : "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            secret: true);
}
