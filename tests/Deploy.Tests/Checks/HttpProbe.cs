namespace Jetstream.Deploy.Tests.Checks;

/// <summary>An HTTP request the platform makes to a container: a health check or a Kubernetes probe.</summary>
public sealed record HttpProbe(string Kind, int Port, string Path);
