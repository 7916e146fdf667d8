using Microsoft.AspNetCore.Diagnostics;

namespace Jetstream.Api;

/// <summary>Turns "the cluster did not answer" into 503 with a Retry-After, instead of a bare 500.</summary>
public sealed class ClusterUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<ClusterUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (OrleansException or TimeoutException or ClusterUnavailableException))
        {
            return false;
        }

        ApiLog.ClusterUnavailable(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The Orleans cluster is unavailable",
                Detail = exception.Message,
            },
        });
    }
}
