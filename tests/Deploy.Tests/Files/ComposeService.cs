namespace Jetstream.Deploy.Tests.Files;

/// <summary>One service of docker-compose.yml after interpolation, with its env files merged under its environment.</summary>
public sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildContext,
    string? DockerfilePath,
    string? Hostname,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> EnvFiles,
    IReadOnlyList<(int Host, int Container)> Ports,
    IReadOnlyDictionary<string, string> DependsOn,
    IReadOnlyList<string> Profiles,
    IReadOnlyList<string>? HealthCheck,
    TimeSpan? StopGracePeriod);
