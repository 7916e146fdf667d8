using Microsoft.Extensions.Configuration;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>How a container's environment variables become a host's configuration keys.</summary>
public static class ContainerEnvironment
{
    /// <summary>Set by the mcr.microsoft.com/dotnet/aspnet base image in every container built from it.</summary>
    public static readonly IReadOnlyDictionary<string, string> AspNetImage = new Dictionary<string, string>
    {
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    private static readonly string[] HostPrefixes = ["ASPNETCORE_", "DOTNET_"];

    /// <summary>
    /// The configuration key a variable sets, as ASP.NET Core's providers read it: <c>__</c> is <c>:</c>, and
    /// <c>ASPNETCORE_</c>/<c>DOTNET_</c> variables are host settings with the prefix removed.
    /// </summary>
    public static string ConfigurationKey(string name) =>
        StripHostPrefix(name) is { } stripped ? stripped.Replace("__", ":", StringComparison.Ordinal) : name.Replace("__", ":", StringComparison.Ordinal);

    public static bool IsHostSetting(string name) => StripHostPrefix(name) is not null;

    /// <summary>
    /// Command-line arguments that give a host the same configuration as <paramref name="environment"/> would:
    /// plain variables outrank appsettings.json as arguments do, while prefixed host settings rank below it, so one
    /// that appsettings.json also sets is left out.
    /// </summary>
    public static IReadOnlyList<string> AsArguments(IReadOnlyDictionary<string, string> environment, string contentRoot)
    {
        var appSettings = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(contentRoot, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(contentRoot, "appsettings.Production.json"), optional: true)
            .Build();
        var arguments = new List<string>();
        foreach (var (name, value) in environment)
        {
            var key = ConfigurationKey(name);
            if (IsHostSetting(name) && appSettings[key] is not null)
            {
                continue;
            }

            arguments.Add($"--{key}={value}");
        }

        return arguments;
    }

    private static string? StripHostPrefix(string name) =>
        HostPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)) is { } prefix ? name[prefix.Length..] : null;
}
