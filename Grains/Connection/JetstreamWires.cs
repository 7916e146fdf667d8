using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Connection;

/// <summary>An endpoint's URL path chooses its wire (PROTOCOL.md §1); a new wire is one class and one line here.</summary>
public static class JetstreamWires
{
    /// <summary>The wire for <paramref name="endpoint"/>, or null when its path is none of the known ones.</summary>
    public static IJetstreamWire? Create(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? JetstreamPaths.WireOf(uri) switch
            {
                "v1" => new V1Wire(),
                "v2" => new V2Wire(),
                _ => null,
            }
            : null;
}
