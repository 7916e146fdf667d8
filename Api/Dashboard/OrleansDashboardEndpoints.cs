using Jetstream.Api.Auth;
using Orleans.Dashboard;

namespace Jetstream.Api.Dashboard;

public static class OrleansDashboardEndpoints
{
    /// <summary>The Orleans Dashboard at <c>/dashboard</c>, served through this host's Orleans client, behind the admin token once one is set.</summary>
    public static WebApplication MapOrleansDashboardEndpoints(this WebApplication app)
    {
        app.MapOrleansDashboard(ApiRoutes.OrleansDashboard).AddEndpointFilter<DashboardAuthFilter>();
        return app;
    }
}
