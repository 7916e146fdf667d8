namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>What <see cref="HostCapture"/> recorded when the host's pipeline was ready.</summary>
internal sealed record HostModelParts(
    IReadOnlyList<string> Routes,
    IReadOnlyList<string> ListenAddresses,
    IReadOnlyDictionary<Type, object> Options,
    TimeSpan ShutdownTimeout,
    bool IsSilo,
    IReadOnlyList<string> ValidationFailures);
