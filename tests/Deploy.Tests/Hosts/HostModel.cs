namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// What a host's real Program set up for a given environment, learned without serving (see <see cref="HostInspector"/>).
/// <see cref="Failure"/>: the host did not get as far as serving; <see cref="ValidationFailures"/>: settings its
/// options validation rejects (the messages name them).
/// </summary>
public sealed record HostModel(
    string AssemblyName,
    IReadOnlyList<string> Routes,
    IReadOnlyList<string> ListenAddresses,
    IReadOnlyDictionary<Type, object> Options,
    TimeSpan ShutdownTimeout,
    bool IsSilo,
    IReadOnlyList<string> ValidationFailures,
    string? Failure);
