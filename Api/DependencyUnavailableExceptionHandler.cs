using Azure;
using Microsoft.AspNetCore.Diagnostics;

namespace Jetstream.Api;

/// <summary>
/// Turns "the cluster did not answer" and "storage did not answer" into 503 with a Retry-After, instead of a bare 500:
/// both are outages of something the Api depends on, not faults of the request.
/// </summary>
public sealed class DependencyUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<DependencyUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var title = exception switch
        {
            OrleansException or TimeoutException or ClusterUnavailableException => "The Orleans cluster is unavailable",
            RequestFailedException or AggregateException { InnerException: RequestFailedException } => "Azure Storage is unavailable",
            _ => null,
        };
        if (title is null)
        {
            return false;
        }

        ApiLog.DependencyUnavailable(logger, exception, title, httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = exception.Message,
            },
        });
    }
}
