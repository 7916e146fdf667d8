namespace Jetstream.Atproto.Repo;

/// <summary>A repository that is well formed but not what it claims: another DID's commit, or a signature that does not verify.</summary>
public sealed class RepoVerificationException(string message) : AtprotoException(message);
