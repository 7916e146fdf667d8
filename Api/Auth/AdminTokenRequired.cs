namespace Jetstream.Api.Auth;

/// <summary>Marks an endpoint guarded by <see cref="AdminTokenFilter"/>, so the OpenAPI document can say which need the token.</summary>
public sealed class AdminTokenRequired
{
    public static readonly AdminTokenRequired Instance = new();
}

public static class AdminTokenEndpointExtensions
{
    /// <summary>Guards the endpoints with <see cref="AdminTokenFilter"/> and marks them for the OpenAPI document.</summary>
    public static TBuilder RequireAdminToken<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AdminTokenFilter>().WithMetadata(AdminTokenRequired.Instance);
}
