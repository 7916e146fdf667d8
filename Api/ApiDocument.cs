using Jetstream.Api.Auth;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Jetstream.Api;

/// <summary>
/// The OpenAPI document of every route (ASP.NET Core's built-in generator) at <see cref="ApiRoutes.OpenApi"/>, with the
/// admin bearer scheme, so a client can be generated from it.
/// </summary>
public static class ApiDocument
{
    public const string AdminScheme = "adminToken";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Jetstream.Orleans Api",
                Version = "v1",
                Description = "Statistics, status, dead letters and subscriptions. Writes and /subscriptions need 'Authorization: Bearer <Api:AdminToken>'.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[AdminScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = AdminTokenFilter.NotConfiguredDetail,
            };
            return Task.CompletedTask;
        }).AddOperationTransformer((operation, context, _) =>
        {
            if (context.Description.ActionDescriptor.EndpointMetadata.OfType<AdminTokenRequired>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminScheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        }));

    public static WebApplication MapApiDocument(this WebApplication app)
    {
        app.MapOpenApi(ApiRoutes.OpenApi).WithDescription("This Api's OpenAPI document");
        return app;
    }
}
