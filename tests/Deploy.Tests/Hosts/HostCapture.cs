using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// Changes a host while it is built so that starting it runs options validation and builds the request pipeline but
/// starts nothing else (no silo, no poll loop, no socket), then records what it set up and stops it.
/// </summary>
internal sealed class HostCapture
{
    // ASP.NET Core's own hosted service builds the pipeline and starts the server; every other one is the app's work.
    private const string WebHostServiceName = "GenericWebHostService";

    private const string DashboardAssetsName = "EmbeddedAssetProvider";

    private static readonly ConcurrentDictionary<Type, object> SharedDashboardAssets = new();

    private readonly List<Type> _optionsTypes = [];
    private HostModelParts? _parts;

    public bool Intercepted { get; private set; }

    public bool IsSilo { get; private set; }

    public HostModelParts? Parts => _parts;

    public void Intercept(IServiceCollection services)
    {
        Intercepted = true;
        _optionsTypes.AddRange(services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Namespace?.StartsWith("Jetstream.", StringComparison.Ordinal) == true)
            .Distinct());

        foreach (var hosted in services.Where(d => d.ServiceType == typeof(IHostedService)).ToList())
        {
            if (hosted.ImplementationType?.Name != WebHostServiceName)
            {
                services.Remove(hosted);
            }
        }

        // Validation is read per options class in Record instead, so every failing setting is reported, not the first.
        services.RemoveAll<IStartupValidator>();
        IsSilo = services.Any(d => d.ServiceType.Name == "ILocalSiloDetails");
        services.RemoveAll<IServer>();
        services.AddSingleton<IServer>(sp => new CapturingServer(sp, this));
        ShareDashboardAssets(services);
    }

    public void Record(IServiceProvider services, IReadOnlyList<string> addresses)
    {
        var routes = services.GetServices<EndpointDataSource>()
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => "/" + (endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/'))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        var configuration = services.GetRequiredService<IConfiguration>();
        var options = new Dictionary<Type, object>();
        var failures = new List<string>();
        foreach (var type in _optionsTypes)
        {
            try
            {
                options[type] = ((IOptions<object>)Activator.CreateInstance(typeof(OptionsValue<>).MakeGenericType(type), services)!).Value;
            }
            catch (OptionsValidationException ex)
            {
                failures.Add(ex.Message);
                var unvalidated = Activator.CreateInstance(type)!;
                configuration.GetSection(OptionsSections.SectionOf(type)).Bind(unvalidated);
                options[type] = unvalidated;
            }
        }

        _parts = new HostModelParts(routes, addresses, options, services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout, IsSilo, failures);
        services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
    }

    /// <summary>
    /// The Orleans Dashboard compresses its embedded web assets when its asset provider is built: seconds of CPU per
    /// host on two cores. The assets are the same for every host, so all inspections share one provider.
    /// </summary>
    private static void ShareDashboardAssets(IServiceCollection services)
    {
        foreach (var descriptor in services.Where(d => d.ImplementationType?.Name == DashboardAssetsName && d.Lifetime == ServiceLifetime.Singleton).ToList())
        {
            var shared = SharedDashboardAssets.GetOrAdd(descriptor.ImplementationType!, type => Activator.CreateInstance(type, nonPublic: true)!);
            services[services.IndexOf(descriptor)] = ServiceDescriptor.Singleton(descriptor.ServiceType, shared);
        }
    }

    /// <summary>Reads <c>IOptions&lt;T&gt;</c> for a type known only at run time.</summary>
    private sealed class OptionsValue<T>(IServiceProvider services) : IOptions<object>
        where T : class
    {
        public object Value => services.GetRequiredService<IOptions<T>>().Value;
    }
}
