namespace Jetstream.Grains.Connection;

/// <summary>An endpoint's URL path chooses its wire (PROTOCOL.md §1).</summary>
public static class JetstreamWires
{
    public const string V1Path = "/subscribe";
    public const string V2Path = "/xrpc/network.bsky.jetstream.subscribeEvents";

    /// <summary>The wire for <paramref name="endpoint"/>, or null when its path is none of the known ones.</summary>
    public static IJetstreamWire? Create(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? uri.AbsolutePath.TrimEnd('/') switch
            {
                V1Path => new V1Wire(),
                V2Path => new V2Wire(),
                _ => null,
            }
            : null;

    public static bool IsKnown(string endpoint) => Create(endpoint) is not null;
}
