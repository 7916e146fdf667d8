namespace Jetstream.Api.Auth;

/// <summary>
/// Guards the routes that change something: <c>Authorization: Bearer &lt;Api:AdminToken&gt;</c> or 401; no token
/// configured means admin routes are disabled (403), never open.
/// </summary>
public sealed class AdminTokenFilter(AdminTokenValidator tokens, ILogger<AdminTokenFilter> logger) : IEndpointFilter
{
    public const string NotConfiguredDetail =
        "Admin routes are disabled because no admin token is configured: set Api:AdminToken (environment variable Api__AdminToken) and send it as 'Authorization: Bearer <token>'.";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!tokens.IsConfigured)
        {
            Reject(http, "no admin token configured");
            return TypedResults.Problem(NotConfiguredDetail, statusCode: StatusCodes.Status403Forbidden, title: "Admin token not configured");
        }

        var presented = AdminTokenValidator.BearerToken(http.Request);
        if (presented is null)
        {
            Reject(http, "no bearer token");
            http.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{AdminTokenValidator.Realm}\"";
            return TypedResults.Problem("Send 'Authorization: Bearer <Api:AdminToken>'.", statusCode: StatusCodes.Status401Unauthorized, title: "Bearer token required");
        }

        if (!tokens.Matches(presented))
        {
            Reject(http, "wrong bearer token");
            http.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{AdminTokenValidator.Realm}\", error=\"invalid_token\"";
            return TypedResults.Problem("The bearer token does not match Api:AdminToken.", statusCode: StatusCodes.Status401Unauthorized, title: "Invalid bearer token");
        }

        return await next(context);
    }

    private void Reject(HttpContext http, string reason) => ApiLog.AdminRequestRejected(logger, http.Request.Method, http.Request.Path, reason);
}
