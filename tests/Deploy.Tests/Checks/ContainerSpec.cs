using Jetstream.Deploy.Tests.Hosts;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// A container as a deployment file runs it: which host, with what environment, which ports it declares (EXPOSE,
/// containerPort) and which ports and paths the platform reaches (published ports, probes, Service targets).
/// </summary>
public sealed record ContainerSpec(
    string Where,
    HostProject Host,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyCollection<int> DeclaredPorts,
    IReadOnlyCollection<int> ReachedPorts,
    IReadOnlyList<HttpProbe> Probes);
