namespace Jetstream.Grains.Connection;

/// <summary>One wire per endpoint for a connection's life: a wire may keep buffers between frames (v2's converter).</summary>
public sealed class WireSet
{
    private readonly Dictionary<string, IJetstreamWire> _wires = new(StringComparer.Ordinal);

    public IJetstreamWire For(string endpoint)
    {
        if (!_wires.TryGetValue(endpoint, out var wire))
        {
            // Endpoints are validated at start (options and Api), so an unknown path cannot get here.
            wire = JetstreamWires.Create(endpoint) ?? throw new InvalidOperationException($"No Jetstream wire serves '{endpoint}'.");
            _wires[endpoint] = wire;
        }

        return wire;
    }
}
