namespace Jetstream.TestSupport;

/// <summary>An account created on the devnet's PDS; <see cref="AccessJwt"/> authorizes its own XRPC writes.</summary>
public sealed record DevNetAccount(string Did, string Handle, string AccessJwt);
