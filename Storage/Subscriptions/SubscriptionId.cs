using System.Text.RegularExpressions;

namespace Jetstream.Storage.Subscriptions;

/// <summary>Subscription ids: 1-40 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
public static partial class SubscriptionId
{
    public const int MaxLength = 40;

    public const string Rule = "1-40 lowercase letters, digits and single hyphens, starting and ending with a letter or digit";

    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(id);

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
