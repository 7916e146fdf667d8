namespace Jetstream.Api.Auth;

/// <summary>
/// Guards the Orleans Dashboard once an admin token is set. Browsers get a Basic challenge, so they prompt for the token
/// (any user name, the token as password) and resend it with every dashboard request; scripts may send it as Bearer.
/// Basic is accepted only here: the dashboard is read-only, while the admin POST routes take Bearer alone, so credentials
/// a browser remembers can never trigger a change.
/// </summary>
public sealed class DashboardAuthFilter(AdminTokenValidator tokens, ILogger<DashboardAuthFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!tokens.IsConfigured)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var presented = AdminTokenValidator.BearerToken(http.Request) ?? AdminTokenValidator.BasicPassword(http.Request);
        if (presented is not null && tokens.Matches(presented))
        {
            return await next(context);
        }

        ApiLog.AdminRequestRejected(logger, http.Request.Method, http.Request.Path, presented is null ? "no credentials" : "wrong token");
        http.Response.Headers.WWWAuthenticate = new(
        [
            "Basic realm=\"Orleans Dashboard (user: any, password: Api:AdminToken)\", charset=\"UTF-8\"",
            $"Bearer realm=\"{AdminTokenValidator.Realm}\"",
        ]);
        return TypedResults.Problem(
            "The Orleans Dashboard needs the admin token: as the password of the browser's prompt, or 'Authorization: Bearer <token>'.",
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Admin token required");
    }
}
