namespace Jetstream.Emulator.Tests;

/// <summary>Hand-written events in the real wire shape (PROTOCOL.md §2.5), for exact filter assertions.</summary>
public static class Events
{
    public const string Alice = "did:plc:aliceaaaaaaaaaaaaaaaaaaa";
    public const string Bob = "did:plc:bobbbbbbbbbbbbbbbbbbbbbbb";

    public static string Commit(string collection, string did = Alice, string rkey = "3mmoojp7etg2g") =>
        $$$"""{"did":"{{{did}}}","time_us":1,"kind":"commit","commit":{"rev":"3mmoojp7vgo2g","operation":"create","collection":"{{{collection}}}","rkey":"{{{rkey}}}","record":{"$type":"{{{collection}}}","createdAt":"2026-05-25T14:23:28.778Z","text":"héllo 👋"},"cid":"bafyreidqpc7si3dbimffi64lz3xsx2qt45ip7rpna2qpslcddp23itjjzm"}}""";

    public static string Identity(string did = Alice) =>
        $$$"""{"did":"{{{did}}}","time_us":1,"kind":"identity","identity":{"did":"{{{did}}}","handle":"alice.bsky.social","seq":30340180350,"time":"2026-05-25T14:23:29.950Z"}}""";

    public static string Account(string did = Alice) =>
        $$$"""{"did":"{{{did}}}","time_us":1,"kind":"account","account":{"active":false,"did":"{{{did}}}","seq":30340180351,"status":"deactivated","time":"2026-05-25T14:23:29.950Z"}}""";

    public static string Delete(string collection, string did = Alice) =>
        $$$"""{"did":"{{{did}}}","time_us":1,"kind":"commit","commit":{"rev":"3mmoojp7vgo2h","operation":"delete","collection":"{{{collection}}}","rkey":"3mmoojp7etg2g"}}""";

    /// <summary>A Sync 1.1 event, which only the v2 wire carries (PROTOCOL.md §2.3).</summary>
    public static string Sync(string did = Alice) =>
        $$$"""{"did":"{{{did}}}","time_us":1,"kind":"sync","sync":{"blocks":{"$bytes":"OqJlcm9vdHOB"},"did":"{{{did}}}","rev":"3mmoojp7vgo2i","seq":30340180352,"time":"2026-05-25T14:23:29.950Z"}}""";
}
