using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Jetstream.AppHost.Console;

internal static class RunConsoleExtensions
{
    /// <summary>
    /// The log files and the banner, for every process resource added so far (not Aspire's hidden helpers, such as the
    /// rebuilder each project gets, which run only when asked to), and the stop of <paramref name="storageUsers"/>
    /// before the rest.
    /// </summary>
    public static IDistributedApplicationBuilder AddRunConsole(
        this IDistributedApplicationBuilder builder, RunSettings run, IResourceBuilder<ParameterResource> adminToken,
        IEnumerable<IResourceBuilder<ProjectResource>> storageUsers)
    {
        IReadOnlyList<IResource> processes = builder.Resources
            .Where(r => r is (ProjectResource or ExecutableResource) and not IResourceWithParent)
            .ToArray();
        builder.Services.AddSingleton(sp => new ResourceLogFiles(sp.GetRequiredService<ResourceLoggerService>(), processes, run.LogDirectory));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ResourceLogFiles>());
        builder.Services.AddHostedService(sp => new RunBanner(
            sp.GetRequiredService<ResourceNotificationService>(),
            sp.GetRequiredService<ResourceLoggerService>(),
            sp.GetRequiredService<ResourceLogFiles>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            builder.Configuration,
            run,
            processes,
            adminToken.Resource,
            run.StartTimeout));
        IReadOnlyList<IResource> hosts = [.. storageUsers.Select(h => h.Resource)];
        builder.Services.AddHostedService(sp => new HostsFirstShutdown(
            sp.GetRequiredService<ResourceCommandService>(), sp.GetRequiredService<ResourceNotificationService>(), hosts));
        return builder;
    }
}
