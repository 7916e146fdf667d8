using System.Text.RegularExpressions;

namespace Jetstream.Api.Tests;

/// <summary>Commits of a given collection and DID, and the emulator's stamped copies turned back into what was published.</summary>
internal static partial class StampedEvents
{
    private static int _sequence;

    public static string Commit(string collection, string did)
    {
        var n = Interlocked.Increment(ref _sequence);
        return $$$"""{"did":"{{{did}}}","time_us":0,"kind":"commit","commit":{"rev":"3mstamped{{{n:D6}}}","operation":"create","collection":"{{{collection}}}","rkey":"3kstamp{{{n:D6}}}","record":{"$type":"{{{collection}}}","text":"caf\u00e9 — {{{n}}}"},"cid":"bafyreistamped{{{n:D6}}}"}}""";
    }

    /// <summary>The event as published: the emulator writes the real <c>time_us</c> where the published one was 0.</summary>
    public static string Unstamp(string stamped) => TimeUs().Replace(stamped, "\"time_us\":0", 1);

    [GeneratedRegex("\"time_us\":\\d+")]
    private static partial Regex TimeUs();
}
