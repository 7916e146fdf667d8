using Jetstream.WebhookConsumer.Deliver;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Jetstream.WebhookConsumer.Hosting;

/// <summary>The checks data annotations cannot express; each failure names the setting in configuration form.</summary>
internal sealed class WebhookOptionsValidator(IConfiguration configuration) : IValidateOptions<WebhookOptions>
{
    private static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7);

    /// <summary>The longest <c>Webhook:BatchMaxWait</c>: a wait for more events is latency added to every event.</summary>
    internal static readonly TimeSpan MaxBatchWait = TimeSpan.FromSeconds(10);

    /// <summary>The most <c>Webhook:MaxKeptBytes</c>: message bodies held in memory for one subscription.</summary>
    internal const long MaxKeptBytes = 1L << 30;

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Url)
            && (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Webhook:Url must be an absolute http or https URL; '{options.Url}' is not.");
        }

        if (!WebhookSigner.TryParseSecrets(options.Secret, out _, out var secretError))
        {
            failures.Add("Webhook:Secret: " + secretError);
        }

        if (options.VisibilityTimeout < TimeSpan.FromSeconds(2 * options.TimeoutSeconds) || options.VisibilityTimeout > MaxVisibility)
        {
            failures.Add($"Webhook:VisibilityTimeout must be at least twice Webhook:TimeoutSeconds ({2 * options.TimeoutSeconds} s) and at most 7 days; it is {options.VisibilityTimeout}.");
        }

        if (options.MaxPollInterval < TimeSpan.FromMilliseconds(10) || options.MaxPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Webhook:MaxPollInterval must be between 00:00:00.010 and 00:01:00; it is {options.MaxPollInterval}.");
        }

        if (options.MaxRetryAfter < TimeSpan.Zero || options.MaxRetryAfter > MaxVisibility)
        {
            failures.Add($"Webhook:MaxRetryAfter must be between 0 and 7 days; it is {options.MaxRetryAfter}.");
        }

        if (options.CircuitSamplingDuration < TimeSpan.FromMilliseconds(500) || options.CircuitSamplingDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"Webhook:CircuitSamplingDuration must be between 00:00:00.500 and 01:00:00; it is {options.CircuitSamplingDuration}.");
        }

        if (options.CircuitBreakDuration < TimeSpan.FromMilliseconds(500) || options.CircuitBreakDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"Webhook:CircuitBreakDuration must be between 00:00:00.500 and 01:00:00; it is {options.CircuitBreakDuration}.");
        }

        if (options.CircuitMaxBreakDuration < options.CircuitBreakDuration || options.CircuitMaxBreakDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"Webhook:CircuitMaxBreakDuration must be between Webhook:CircuitBreakDuration ({options.CircuitBreakDuration}) and 01:00:00; it is {options.CircuitMaxBreakDuration}.");
        }

        if (options.MaxKeptBytes < 0 || options.MaxKeptBytes > MaxKeptBytes)
        {
            failures.Add($"Webhook:MaxKeptBytes must be between 0 and {MaxKeptBytes} (1 GiB); it is {options.MaxKeptBytes}.");
        }

        if (options.BatchMaxWait < TimeSpan.Zero || options.BatchMaxWait > MaxBatchWait)
        {
            failures.Add($"Webhook:BatchMaxWait must be between 0 and 00:00:10; it is {options.BatchMaxWait}.");
        }

        // The binder ignores a plain value on an array setting; say so instead of silently using the default.
        if (configuration.GetSection(WebhookOptions.SectionName + ":" + nameof(WebhookOptions.RetrySchedule)).Value is { Length: > 0 } flat)
        {
            failures.Add($"Webhook:RetrySchedule is a list ('{flat}' was given as one value): set Webhook__RetrySchedule__0=00:00:05, Webhook__RetrySchedule__1=00:05:00, ...");
        }

        for (var i = 0; i < options.RetrySchedule.Length; i++)
        {
            if (options.RetrySchedule[i] < TimeSpan.Zero || options.RetrySchedule[i] > MaxVisibility)
            {
                failures.Add($"Webhook:RetrySchedule:{i} must be between 0 and 7 days; it is {options.RetrySchedule[i]}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
