using Microsoft.Extensions.Options;

namespace Jetstream.Grains.Backfill;

/// <summary>Refuses at start what the attributes cannot say, naming the setting.</summary>
public sealed class BackfillOptionsValidator : IValidateOptions<BackfillOptions>, IValidateOptions<AtprotoNetworkOptions>
{
    public ValidateOptionsResult Validate(string? name, BackfillOptions options)
    {
        var failures = new List<string>();
        if (options.MaxConcurrentPerHost > options.MaxConcurrentRepos)
        {
            failures.Add($"Backfill:MaxConcurrentPerHost ({options.MaxConcurrentPerHost}) is above Backfill:MaxConcurrentRepos ({options.MaxConcurrentRepos}).");
        }

        if (options.InitialRetryDelayMs > options.MaxRetryDelayMs)
        {
            failures.Add($"Backfill:InitialRetryDelayMs ({options.InitialRetryDelayMs}) is above Backfill:MaxRetryDelayMs ({options.MaxRetryDelayMs}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, AtprotoNetworkOptions options)
    {
        var failures = new List<string>();
        CheckUrl("Atproto:RelayUrl", options.RelayUrl, failures);
        CheckUrl("Atproto:PlcUrl", options.PlcUrl, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUrl(string setting, string? value, List<string> failures)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{setting} ('{value}') is not an absolute http or https URL.");
        }
        else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            failures.Add($"{setting} ('{value}') must not carry a query or credentials.");
        }
    }
}
