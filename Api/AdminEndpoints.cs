using Jetstream.Api.Auth;
using Jetstream.Api.Json;
using Jetstream.Api.Stats;

namespace Jetstream.Api;

public static class AdminEndpoints
{
    public const string ResetMessage = "Stats reset successfully";
    public const string ReconnectMessage = "Reconnection initiated";

    /// <summary>The original's POST routes, now behind <c>Authorization: Bearer &lt;Api:AdminToken&gt;</c>.</summary>
    public static WebApplication MapAdminEndpoints(this WebApplication app)
    {
        var admin = app.MapGroup(string.Empty).RequireAdminToken();

        admin.MapPost(ApiRoutes.Reset, async (StatsReader reader, ILogger<StatsReader> logger) =>
            {
                await reader.Processor.ResetStats();
                ApiLog.StatsReset(logger);
                return TypedResults.Json(new MessageResponse(ResetMessage), ApiJsonContext.Default.MessageResponse);
            })
            .WithDescription("Reset statistics (admin token)");

        admin.MapPost(ApiRoutes.Reconnect, async (StatsReader reader, ILogger<StatsReader> logger) =>
            {
                await reader.Processor.Reconnect();
                ApiLog.ReconnectRequested(logger);
                return TypedResults.Json(new MessageResponse(ReconnectMessage), ApiJsonContext.Default.MessageResponse);
            })
            .WithDescription("Force WebSocket reconnection (admin token)");
        return app;
    }
}
