namespace Jetstream.Grains.Interfaces.Events;

/// <summary>The URL paths of the two Jetstream wires (PROTOCOL.md §1): the path of an endpoint chooses its wire.</summary>
public static class JetstreamPaths
{
    public const string V1 = "/subscribe";
    public const string V2 = "/xrpc/network.bsky.jetstream.subscribeEvents";

    /// <summary><c>v1</c>, <c>v2</c>, or null when the path is neither.</summary>
    public static string? WireOf(Uri endpoint) => endpoint.AbsolutePath.TrimEnd('/') switch
    {
        V1 => "v1",
        V2 => "v2",
        _ => null,
    };

    public static string Describe => $"'{V1}' (v1) or '{V2}' (v2)";
}
