using System.ComponentModel.DataAnnotations;

namespace Jetstream.Api;

/// <summary>Settings of the Api host. Section <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>
    /// Bearer token every POST (and the Orleans Dashboard) requires. Unset: POST routes answer 403 and the dashboard is
    /// open, so a fresh install can be looked at but not changed.
    /// </summary>
    [RegularExpression(@"^\S{16,}$", ErrorMessage = "Api:AdminToken must be at least 16 characters without spaces (or unset to disable admin routes).")]
    public string? AdminToken { get; set; }

    /// <summary>
    /// Where <c>/stats/html</c> links for the Orleans Dashboard: an absolute http(s) URL (a silo's <c>/dashboard</c>) or a
    /// path on this host. Default: the dashboard this host serves at <c>/dashboard/</c>.
    /// </summary>
    [RegularExpression(@"^(https?://[^\s]+|/[^\s]*)$",
        ErrorMessage = "Api:OrleansDashboardUrl must be an absolute http(s) URL or a path starting with '/'.")]
    public string OrleansDashboardUrl { get; set; } = ApiRoutes.OrleansDashboard + "/";

    public bool AdminTokenConfigured => !string.IsNullOrEmpty(AdminToken);
}
