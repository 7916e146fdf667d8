using Jetstream.Api.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace Jetstream.Api;

public static class IndexEndpoints
{
    public const string Message = "Jetstream Event Processor (Orleans)";

    /// <summary><c>GET /</c>: the route table, read from the endpoints themselves so it can never miss one.</summary>
    public static WebApplication MapIndex(this WebApplication app)
    {
        app.MapGet(ApiRoutes.Root, (EndpointDataSource endpoints) => TypedResults.Json(
                new IndexResponse(Message, Describe(endpoints)),
                ApiJsonContext.Default.IndexResponse))
            .WithDescription("This list of endpoints");
        return app;
    }

    private static Dictionary<string, string> Describe(EndpointDataSource endpoints)
    {
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IEndpointDescriptionMetadata>() is not { } description
                || endpoint.RoutePattern.RawText is not { } path)
            {
                continue;
            }

            // A group's own route ("/subscriptions" + "") is written with a trailing slash; it answers without one too.
            path = path.Length > 1 ? path.TrimEnd('/') : path;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var key = methods.Count == 1 && methods[0] == HttpMethods.Get ? path : $"{string.Join(',', methods)} {path}";
            routes[key] = description.Description;
        }

        // The dashboard maps many endpoints of its own; one entry stands for them all.
        routes[ApiRoutes.OrleansDashboard] = "Orleans Dashboard (admin token when one is set)";
        return routes;
    }
}
