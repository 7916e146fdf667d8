using System.Text.RegularExpressions;

namespace Jetstream.AppHost;

internal static partial class ProjectResourceExtensions
{
    /// <summary>
    /// Plain HTTP on a fixed port, without Aspire's proxy (the port printed is the one the host listens on) and without
    /// a TLS certificate: every host here serves http on loopback, and no development certificate is assumed.
    /// </summary>
    /// <remarks>
    /// Without <c>WithoutHttpsCertificate</c> (still marked for evaluation in Aspire 13.6) every project counts as using
    /// TLS, and the dashboard opens on an error that no trusted development certificate was found.
    /// </remarks>
    public static IResourceBuilder<ProjectResource> WithFixedHttpEndpoint(this IResourceBuilder<ProjectResource> project, int port)
    {
#pragma warning disable ASPIRECERTIFICATES001
        return project.WithHttpEndpoint(port: port, isProxied: false).WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
    }

    /// <summary>A non-HTTP port the host listens on (Orleans), shown in the dashboard and handed to the host as a setting.</summary>
    public static IResourceBuilder<ProjectResource> WithFixedTcpEndpoint(this IResourceBuilder<ProjectResource> project, string name, int port, string setting) =>
        project
            .WithEndpoint(name, endpoint =>
            {
                endpoint.Port = port;
                endpoint.TargetPort = port;
                endpoint.IsProxied = false;
                endpoint.UriScheme = "tcp";
            })
            .WithEnvironment(setting, port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The <c>DOTNET_</c> and <c>MALLOC_</c> runtime settings the project's container image sets (<c>ENV</c> lines of the
    /// Dockerfile beside it), so the host runs here as in its image: some GC settings are read only from the environment
    /// (the Silo's <c>DOTNET_GCGen1MaxBudget</c>), glibc's malloc only from it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithImageRuntimeSettings(this IResourceBuilder<ProjectResource> project)
    {
        var dockerfile = Path.Combine(Path.GetDirectoryName(project.Resource.GetProjectMetadata().ProjectPath)!, "Dockerfile");
        if (!File.Exists(dockerfile))
        {
            return project;
        }

        foreach (var line in File.ReadLines(dockerfile))
        {
            foreach (Match setting in RuntimeSetting().Matches(line))
            {
                project.WithEnvironment(setting.Groups["name"].Value, setting.Groups["value"].Value);
            }
        }

        return project;
    }

    [GeneratedRegex(@"(?<=^ENV\s(?:.*\s)?)(?<name>(?:DOTNET|MALLOC)_[A-Za-z0-9_]+)=(?<value>\S+)")]
    private static partial Regex RuntimeSetting();
}
