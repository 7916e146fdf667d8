namespace Jetstream.Api.Tests;

/// <summary>Jetstream events in the wire format (the emulator stamps <c>time_us</c>).</summary>
internal static class TestEvents
{
    private static int _sequence;

    /// <summary>A commit; <paramref name="collection"/> is written unescaped, as a hostile server could send it.</summary>
    public static string Commit(string collection)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $$$"""{"did":"did:plc:apitest{{{n % 7}}}","time_us":0,"kind":"commit","commit":{"rev":"3mapitest{{{n:D6}}}","operation":"create","collection":"{{{collection}}}","rkey":"3krkey{{{n:D6}}}","record":{"$type":"{{{collection}}}","createdAt":"2026-05-25T14:23:28.778Z"},"cid":"bafyreiapitest{{{n:D6}}}"}}""";
    }

    public static string Identity()
    {
        var n = Interlocked.Increment(ref _sequence);
        return $$$"""{"did":"did:plc:apitest{{{n % 7}}}","time_us":0,"kind":"identity","identity":{"did":"did:plc:apitest{{{n % 7}}}","seq":{{{n}}},"time":"2026-05-25T14:23:29.950Z"}}""";
    }
}
