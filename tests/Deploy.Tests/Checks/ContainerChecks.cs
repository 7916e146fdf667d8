using Jetstream.Deploy.Tests.Hosts;
using Jetstream.Storage;
using Jetstream.OrleansHosting;
using Microsoft.Extensions.Configuration;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// Checks one container against its host's real code: every variable is read by something (a misspelt one is
/// reported, with the options class it was meant for), the host listens on a non-loopback address on the ports the
/// file declares, probes hit routes that exist, and (when asked) the settings pass the host's own validation.
/// </summary>
public static class ContainerChecks
{
    /// <summary>Variables of the platform rather than of an options class, and which options class makes them meaningful.</summary>
    private static readonly Dictionary<string, Type> PlatformVariables = new(StringComparer.Ordinal)
    {
        // Orleans' Kubernetes conventions; the silo advertises POD_IP when Orleans:AdvertisedIPAddress is unset.
        ["POD_NAME"] = typeof(OrleansHostingOptions),
        ["POD_NAMESPACE"] = typeof(OrleansHostingOptions),
        ["POD_IP"] = typeof(OrleansHostingOptions),
        ["ORLEANS_SERVICE_ID"] = typeof(OrleansHostingOptions),
        ["ORLEANS_CLUSTER_ID"] = typeof(OrleansHostingOptions),
    };

    /// <summary>
    /// Variables the .NET runtime (GC and JIT settings) and glibc's malloc read at start-up, exactly as they spell them: on Linux the
    /// runtime's lookup is case-sensitive, so <c>DOTNET_GCgen1MaxBudget</c> would be ignored without a word.
    /// </summary>
    private static readonly HashSet<string> RuntimeVariables = new(StringComparer.Ordinal)
    {
        "DOTNET_gcServer", "DOTNET_gcConcurrent", "DOTNET_GCgen0size", "DOTNET_GCGen0MaxBudget", "DOTNET_GCGen1MaxBudget",
        "DOTNET_GCHeapHardLimit", "DOTNET_GCHeapHardLimitPercent", "DOTNET_GCLOHThreshold", "DOTNET_GCConserveMemory",
        "DOTNET_GCHeapCount", "DOTNET_TieredCompilation", "DOTNET_TieredPGO", "DOTNET_ReadyToRun",
        "MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX",
    };

    /// <summary>Host settings ASP.NET Core and the generic host read themselves (configuration keys, any case).</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "http_ports", "shutdownTimeoutSeconds", "RUNNING_IN_CONTAINER",
    };

    public static async Task<IReadOnlyList<string>> CheckAsync(ContainerSpec spec, bool validate)
    {
        var problems = new List<string>();
        var surface = await HostSurface.ForAsync(spec.Host, spec.Environment);
        if (validate)
        {
            problems.AddRange(surface.Failures.Select(f => $"{spec.Where}: {f}"));
        }

        problems.AddRange(VariableProblems(spec, surface));

        var listenPorts = surface.ListenPorts;
        foreach (var (host, port) in surface.Listening)
        {
            if (host is "localhost" or "127.0.0.1" or "[::1]" or "::1")
            {
                problems.Add($"{spec.Where}: {spec.Host.AssemblyName} listens on {host}:{port} only, which nothing outside the container reaches.");
            }
        }

        if (surface.Listening.Count == 0)
        {
            problems.Add($"{spec.Where}: {spec.Host.AssemblyName} has no listen address (Kestrel would take localhost:5000).");
        }

        foreach (var port in listenPorts.Where(p => !spec.DeclaredPorts.Contains(p)))
        {
            problems.Add($"{spec.Where}: {spec.Host.AssemblyName} listens on port {port}, which is not declared (declared: {Ports(spec.DeclaredPorts)}).");
        }

        foreach (var port in spec.ReachedPorts.Where(p => !listenPorts.Contains(p)))
        {
            problems.Add($"{spec.Where}: port {port} is reached from outside but {spec.Host.AssemblyName} listens on {Ports(listenPorts)}.");
        }

        foreach (var probe in spec.Probes)
        {
            if (!surface.Listening.Any(l => l.Port == probe.Port))
            {
                problems.Add($"{spec.Where}: the {probe.Kind} probe goes to port {probe.Port}, but {spec.Host.AssemblyName} serves HTTP on {Ports(surface.Listening.Select(l => l.Port))}.");
            }

            if (surface.Routes is { } routes && !routes.Contains(probe.Path, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{spec.Where}: the {probe.Kind} probe asks for {probe.Path}, which {spec.Host.AssemblyName} does not map (its routes: {string.Join(", ", routes.Order(StringComparer.Ordinal))}).");
            }
        }

        return problems;
    }

    /// <summary>Problems with the variable names alone: each one must be read by the host it is given to.</summary>
    public static IEnumerable<string> VariableProblems(ContainerSpec spec, HostSurface surface)
    {
        var sections = surface.Sections;
        var bound = string.Join(", ", sections.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in spec.Environment)
        {
            if (RuntimeVariables.Contains(name))
            {
                continue;
            }

            if (RuntimeVariables.FirstOrDefault(v => string.Equals(v, name, StringComparison.OrdinalIgnoreCase)) is { } spelt)
            {
                yield return $"{spec.Where}: {name} is not read by the runtime, which reads {spelt} (its variable names are case-sensitive on Linux).";
                continue;
            }

            if (PlatformVariables.TryGetValue(name, out var requires))
            {
                if (!surface.Options.ContainsKey(requires))
                {
                    yield return $"{spec.Where}: {name} is set, but {spec.Host.AssemblyName} is no Orleans host.";
                }

                continue;
            }

            var key = ContainerEnvironment.ConfigurationKey(name);
            if (HostKeys.Contains(key) || key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (key.StartsWith("ConnectionStrings:", StringComparison.OrdinalIgnoreCase))
            {
                if (!string.Equals(key, "ConnectionStrings:" + StorageConnection.Name, StringComparison.OrdinalIgnoreCase))
                {
                    yield return $"{spec.Where}: {name} names a connection string no host reads (the storage one is ConnectionStrings__{StorageConnection.Name}).";
                }
                else if (!surface.Options.ContainsKey(typeof(QueueOptions)))
                {
                    yield return $"{spec.Where}: {name} is set, but {spec.Host.AssemblyName} does not use Azure Storage.";
                }

                continue;
            }

            var section = key.Split(':')[0];
            if (!sections.TryGetValue(section, out var type))
            {
                yield return $"{spec.Where}: {name} is read by nothing in {spec.Host.AssemblyName}: no options class binds section '{section}' there (it binds: {bound}).";
                continue;
            }

            if (BindError(type, section, key, value) is { } error)
            {
                yield return $"{spec.Where}: {name} does not bind to {type.Name}: {error}";
            }
        }
    }

    /// <summary>Binds one setting the way the host would, refusing keys that match no property.</summary>
    private static string? BindError(Type type, string section, string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create(key, (string?)value)]).Build();
        try
        {
            configuration.GetSection(section).Bind(Activator.CreateInstance(type)!, o => o.ErrorOnUnknownConfiguration = true);
            return key.Contains(':', StringComparison.Ordinal) ? null : $"'{key}' is a section, not a setting.";
        }
        catch (InvalidOperationException ex)
        {
            return ex.Message;
        }
    }

    private static string Ports(IEnumerable<int> ports) => string.Join(", ", ports.Order());
}
