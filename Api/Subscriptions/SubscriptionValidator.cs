using Jetstream.Storage.Subscriptions;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Api.Subscriptions;

/// <summary>
/// Checks a subscription request the way the Jetstream server and the consumer would, before anything is stored, so
/// every mistake is a 400 naming its field (<c>wantedCollections[3]</c>, <c>webhook.url</c>) and nothing half-made stays.
/// </summary>
public sealed class SubscriptionValidator(Microsoft.Extensions.Options.IOptions<WebhookUrlOptions> urls)
{
    public const int MaxSecrets = 10;
    public const int MaxEndpoints = 16;
    private const string SecretPrefix = "whsec_";

    /// <summary>Tests and <c>--offline</c> set it: receivers on loopback or a private network are then allowed.</summary>
    public bool AllowPrivateNetworks => urls.Value.AllowPrivateNetworks;

    /// <param name="routeId">The id in the path (PUT), or null (POST).</param>
    public async Task<Dictionary<string, string[]>> ValidateAsync(SubscriptionRequest request, string? routeId, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var id = routeId ?? request.Id;
        if (routeId is null && string.IsNullOrEmpty(request.Id))
        {
            Add("id", "Required: " + SubscriptionId.Rule + ".");
        }
        else if (routeId is null && !SubscriptionId.IsValid(request.Id))
        {
            Add("id", $"'{request.Id}' is not valid: {SubscriptionId.Rule}.");
        }
        else if (routeId is not null && request.Id is not null && request.Id != routeId)
        {
            Add("id", $"'{request.Id}' does not match the id in the path ('{routeId}'); leave it out or make them equal.");
        }

        // An endpoint on the v2 wire brings that wire's stricter rules (PROTOCOL.md §3.1).
        var anyV2 = (request.Endpoints ?? []).Any(e => Uri.TryCreate(e, UriKind.Absolute, out var u) && JetstreamPaths.WireOf(u) == "v2");
        foreach (var (field, message) in (anyV2 ? FilterRules.CheckSubscribeEvents : (FilterCheck)FilterRules.Check)(
                     request.WantedCollections ?? [], "wantedCollections", request.WantedDids ?? [], "wantedDids", static (f, i) => $"{f}[{i}]"))
        {
            Add(field, message);
        }

        BackfillRules.Check(request, routeId, Add);
        CheckEndpoints(request.Endpoints ?? [], Add);
        CheckKinds(request.ForwardKinds, Add);

        var isDefault = id == SubscriptionDocument.DefaultId;
        if (request.Webhook is null)
        {
            // Only default may go without one: its webhook then comes from the consumer's Webhook:* settings.
            if (!isDefault)
            {
                Add("webhook", "Required: an object with at least 'url'.");
            }
        }
        else
        {
            await CheckWebhookAsync(request.Webhook, Add, cancellationToken);
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    private delegate IEnumerable<(string Field, string Message)> FilterCheck(
        IReadOnlyList<string> collections, string collectionsField, IReadOnlyList<string> dids, string didsField, Func<string, int, string> element);

    private static void CheckEndpoints(string[] endpoints, Action<string, string> add)
    {
        if (endpoints.Length > MaxEndpoints)
        {
            add("endpoints", $"{endpoints.Length} entries; at most {MaxEndpoints}.");
        }

        for (var i = 0; i < endpoints.Length; i++)
        {
            var field = $"endpoints[{i}]";
            if (!Uri.TryCreate(endpoints[i], UriKind.Absolute, out var uri) || (uri.Scheme != "ws" && uri.Scheme != "wss"))
            {
                add(field, $"'{endpoints[i]}' is not an absolute ws:// or wss:// URL.");
            }
            else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            {
                add(field, "Must not carry a query or fragment: the filters come from wantedCollections and wantedDids.");
            }
            else if (JetstreamPaths.WireOf(uri) is null)
            {
                add(field, $"The path '{uri.AbsolutePath}' is not a Jetstream endpoint: {JetstreamPaths.Describe}.");
            }
        }
    }

    private static void CheckKinds(string[]? kinds, Action<string, string> add)
    {
        if (kinds is null)
        {
            return;
        }

        if (kinds.Length == 0)
        {
            add("forwardKinds", $"At least one of {string.Join(", ", SubscriptionKinds.All)}.");
        }

        for (var i = 0; i < kinds.Length; i++)
        {
            if (Array.IndexOf(SubscriptionKinds.All, kinds[i]) < 0)
            {
                add($"forwardKinds[{i}]", $"'{kinds[i]}' is not one of {string.Join(", ", SubscriptionKinds.All)}.");
            }
            else if (Array.IndexOf(kinds, kinds[i]) < i)
            {
                add($"forwardKinds[{i}]", $"'{kinds[i]}' is listed twice.");
            }
        }
    }

    private async Task CheckWebhookAsync(WebhookRequest webhook, Action<string, string> add, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(webhook.Url))
        {
            add("webhook.url", "Required: the absolute http(s) URL events are POSTed to.");
        }
        else if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            add("webhook.url", $"'{webhook.Url}' is not an absolute http or https URL.");
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            add("webhook.url", "Must not carry credentials; use webhook.bearerToken or webhook.secrets.");
        }
        else if (!AllowPrivateNetworks && await PrivateNetworks.CheckAsync(url, cancellationToken) is { } refused)
        {
            add("webhook.url", $"Refused: {refused}.");
        }

        var secrets = webhook.Secrets ?? [];
        if (secrets.Length > MaxSecrets)
        {
            add("webhook.secrets", $"{secrets.Length} secrets; at most {MaxSecrets}.");
        }

        for (var i = 0; i < secrets.Length; i++)
        {
            if (!IsSecret(secrets[i]))
            {
                // The value itself is never echoed: it is a secret, even when malformed.
                add($"webhook.secrets[{i}]", $"Not '{SecretPrefix}' followed by base64 of 16 to 64 bytes.");
            }
        }

        if (webhook.BearerToken is { Length: > 0 } token && (token.Length > 4096 || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            add("webhook.bearerToken", "At most 4096 characters, without spaces or control characters.");
        }

        if (webhook.TimeoutSeconds is < 1 or > 600)
        {
            add("webhook.timeoutSeconds", "Between 1 and 600.");
        }

        if (webhook.BatchMaxEvents is < 1 or > 1000)
        {
            add("webhook.batchMaxEvents", "Between 1 (one request per event) and 1000.");
        }

        if (webhook.BatchMaxBytes is < 1024 or > 16 * 1024 * 1024)
        {
            add("webhook.batchMaxBytes", "Between 1024 and 16777216.");
        }

        if (webhook.BatchMaxWaitMs is < 0 or > 10_000)
        {
            add("webhook.batchMaxWaitMs", "Between 0 and 10000.");
        }

        if (webhook.MaxRequestsPerSecond is < 1 or > 10_000)
        {
            add("webhook.maxRequestsPerSecond", "Between 1 and 10000 requests per second (per consumer process); left out: no limit.");
        }
    }

    private static bool IsSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> key = stackalloc byte[96];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var written) && written is >= 16 and <= 64;
    }
}
