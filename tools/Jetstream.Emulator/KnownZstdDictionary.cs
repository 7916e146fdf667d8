namespace Jetstream.Emulator;

/// <summary>A dictionary PROTOCOL.md names: its file in the shared folder, its id and its sha256.</summary>
public sealed record KnownZstdDictionary(string FileName, uint Id, string Sha256)
{
    /// <summary>The legacy v1 dictionary (PROTOCOL.md §2.7), used by <c>/subscribe</c> with <c>compress=true</c>.</summary>
    public static readonly KnownZstdDictionary Legacy =
        new("zstd_dictionary", 1612007021, "b8d77b46933aceecbdd5275a01241efc985c970c78162b8150cf67a26522f70c");

    /// <summary>The v2 <c>subscribeEvents</c> dictionary (PROTOCOL.md §3.3), served by <c>getZstdDictionary</c>.</summary>
    public static readonly KnownZstdDictionary SubscribeEvents20260811 =
        new("zstd_dictionary_v2_subscribeEvents_20260811", 20260811, "f631a689a829b84b042ba45bcd7a7c2f792467192c5832fcfc1fc48afbec96aa");

    public static IReadOnlyList<KnownZstdDictionary> All { get; } = [Legacy, SubscribeEvents20260811];

    public static KnownZstdDictionary? ById(uint id) => All.FirstOrDefault(d => d.Id == id);
}
