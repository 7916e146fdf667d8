namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One of the wires issue 12 measures: its endpoint on the emulator and whether it is zstd-compressed, as the Silo is
/// told (<c>Jetstream:Endpoints</c>, <c>Jetstream:Compress</c>) and as the bare reader of limit (a) asks for it.
/// </summary>
internal sealed record JetstreamWire(string Name, string Label, bool V2, bool Compress)
{
    public const string V2Path = "/xrpc/network.bsky.jetstream.subscribeEvents";

    /// <summary>The legacy dictionary's id (v1 <c>compress=true</c>) and the current v2 one (the emulator's default).</summary>
    public const uint V1DictionaryId = 1612007021;
    public const uint V2DictionaryId = 20260811;

    public static readonly JetstreamWire V1Plain = new("v1-plain", "v1 uncompressed", false, false);

    public static readonly JetstreamWire V1Zstd = new("v1-zstd", "v1 zstd", false, true);

    public static readonly JetstreamWire V2Zstd = new("v2-zstd", "v2 zstd", true, true);

    public static readonly JetstreamWire[] All = [V1Plain, V1Zstd, V2Zstd];

    public static JetstreamWire Named(string name) => All.FirstOrDefault(w => w.Name == name) ?? throw new ArgumentException($"Unknown wire '{name}'.", nameof(name));

    /// <summary>The endpoint the Silo is given; it adds the filters and the compression parameters itself.</summary>
    public Uri EndpointUri(EmulatorControl control) =>
        V2 ? new UriBuilder(control.SubscribeUri) { Path = V2Path }.Uri : control.SubscribeUri;

    /// <summary>The URL the bare reader opens: the filter and the compression the Silo asks for on this wire.</summary>
    public Uri FilteredUri(EmulatorControl control)
    {
        var query = V2
            ? new[] { "kinds=commit" }.Concat(StreamProfile.Wanted.Select(c => "collections=" + c)).Concat(Compress ? [$"zstdDictionary={V2DictionaryId}"] : [])
            : StreamProfile.Wanted.Select(c => "wantedCollections=" + c).Concat(Compress ? ["compress=true"] : []);
        return new Uri(EndpointUri(control) + "?" + string.Join('&', query));
    }

    /// <summary>The Silo's settings for this wire.</summary>
    public IEnumerable<string> SiloEnvironment(EmulatorControl control) =>
        [$"Jetstream__Endpoints__0={EndpointUri(control)}", $"Jetstream__Compress={(Compress ? "true" : "false")}"];

    /// <summary>The dictionary file in the shared folder beside the repository (the emulator reads the same), or null when uncompressed.</summary>
    public string? DictionaryPath(RepoLayout layout)
    {
        if (!Compress)
        {
            return null;
        }

        var shared = Environment.GetEnvironmentVariable("JETSTREAM_SHARED") is { Length: > 0 } root
            ? Path.Combine(root, "jetstream")
            : Path.Combine(Path.GetDirectoryName(layout.Root)!, "shared", "jetstream");
        return Path.Combine(shared, V2 ? "zstd_dictionary_v2_subscribeEvents_20260811" : "zstd_dictionary");
    }
}
