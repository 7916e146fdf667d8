namespace Jetstream.Grains.Connection;

/// <summary>How to open one connection: the URL, and a first text frame to send right after the handshake (v1's hello).</summary>
public sealed record WireRequest(Uri Uri, string? Hello);
