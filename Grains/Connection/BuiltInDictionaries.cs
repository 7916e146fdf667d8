using System.Security.Cryptography;

namespace Jetstream.Grains.Connection;

/// <summary>
/// The two dictionaries PROTOCOL.md names, embedded at build time from <c>../shared/jetstream</c> (never copied into
/// the repository; see Grains.csproj), each checked against its id and sha256 before it is used. A build made
/// without the shared folder has none: the v1 wire then connects uncompressed, the v2 wire relies on the fetch.
/// </summary>
public static class BuiltInDictionaries
{
    public const uint LegacyId = 1612007021;
    public const uint SubscribeEvents20260811Id = 20260811;

    private static readonly Lazy<ZstdDictionaryBytes?> LegacyDictionary = new(() =>
        Load("zstd_dictionary", LegacyId, "b8d77b46933aceecbdd5275a01241efc985c970c78162b8150cf67a26522f70c"));

    private static readonly Lazy<ZstdDictionaryBytes?> SubscribeEventsDictionary = new(() =>
        Load("zstd_dictionary_v2_subscribeEvents_20260811", SubscribeEvents20260811Id, "f631a689a829b84b042ba45bcd7a7c2f792467192c5832fcfc1fc48afbec96aa"));

    /// <summary>The v1 dictionary (id 1612007021), or null when this build has none.</summary>
    public static ZstdDictionaryBytes? Legacy => LegacyDictionary.Value;

    /// <summary>The known v2 dictionary (id 20260811): the fallback when none is stored or fetched.</summary>
    public static ZstdDictionaryBytes? SubscribeEvents20260811 => SubscribeEventsDictionary.Value;

    private static ZstdDictionaryBytes? Load(string name, uint id, string sha256)
    {
        using var stream = typeof(BuiltInDictionaries).Assembly.GetManifestResourceStream("Jetstream.Dictionaries." + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        var dictionary = ZstdDictionaryBytes.TryCreate(bytes, "built in");
        // A resource that is not the file PROTOCOL.md describes is a build mistake: refuse it rather than decode garbage.
        return dictionary?.Id == id && Convert.ToHexStringLower(SHA256.HashData(bytes)) == sha256
            ? dictionary
            : throw new InvalidOperationException($"The built-in zstd dictionary '{name}' is not dictionary {id} with sha256 {sha256}.");
    }
}
