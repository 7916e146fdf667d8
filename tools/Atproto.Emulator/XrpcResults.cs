using Microsoft.AspNetCore.Http;

namespace Atproto.Emulator;

/// <summary>XRPC error answers, and the faults that are answered before a repository is built.</summary>
internal static class XrpcResults
{
    public static IResult Error(int status, string error, string message) =>
        TypedResults.Json(new XrpcError(error, message), EmulatorJsonContext.Default.XrpcError, statusCode: status);

    /// <summary>The answer a fault gives instead of the repository (500, 429, or the account's state), or null.</summary>
    public static IResult? ForFault(HttpContext context, FaultSet faults, string did, TimeProvider time)
    {
        if (faults.Has(FaultKind.ServerError))
        {
            return Error(500, "InternalServerError", "Internal Server Error");
        }
        if (faults.Get(FaultKind.RateLimited) is { } limit)
        {
            var headers = context.Response.Headers;
            headers["RateLimit-Limit"] = "3000";
            headers["RateLimit-Remaining"] = "0";
            if (limit.UseRateLimitReset)
            {
                // The reference PDS sends the reset as epoch seconds; round up so the wait is never shorter than announced.
                var reset = time.GetUtcNow().AddSeconds(limit.RetryAfterSeconds);
                headers["RateLimit-Reset"] = ((long)Math.Ceiling((reset - DateTimeOffset.UnixEpoch).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                headers.RetryAfter = limit.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Error(429, "RateLimitExceeded", "Rate Limit Exceeded");
        }
        return StateOf(faults) switch
        {
            FaultKind.NotFound => Error(400, "RepoNotFound", $"Could not find repo for DID: {did}"),
            FaultKind.Takendown => Error(400, "RepoTakendown", $"Repo has been takendown: {did}"),
            FaultKind.Deactivated => Error(400, "RepoDeactivated", $"Repo has been deactivated: {did}"),
            FaultKind.Suspended => Error(400, "RepoSuspended", $"Repo has been suspended: {did}"),
            _ => null,
        };
    }

    /// <summary>The account state a fault gives it, if any.</summary>
    public static FaultKind? StateOf(FaultSet faults) =>
        new[] { FaultKind.NotFound, FaultKind.Takendown, FaultKind.Deactivated, FaultKind.Suspended }.Cast<FaultKind?>().FirstOrDefault(k => faults.Has(k!.Value));
}
