using System.Text;
using System.Text.Json;
using Jetstream.Storage;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>Queue entries made the way the producer makes them: original JSON bytes, deterministic id, DID, time_us.</summary>
internal static class TestEvents
{
    private static long _sequence = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    /// <summary>A commit event; <paramref name="seq"/> ends up in its rkey and text so tests can check order.</summary>
    public static QueuedEvent Commit(string did, int seq, string text = "hello") =>
        FromJson($$"""{"did":"{{did}}","time_us":{{Interlocked.Increment(ref _sequence)}},"kind":"commit","commit":{"rev":"3l{{seq:D8}}","operation":"create","collection":"app.test.event","rkey":"k{{seq:D8}}","record":{"$type":"app.test.event","seq":{{seq}},"text":"{{text}}""" + "\"}}}");

    public static QueuedEvent FromJson(string json) => FromJson(Encoding.UTF8.GetBytes(json));

    public static QueuedEvent FromJson(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var did = root.GetProperty("did").GetString()!;
        var timeUs = root.GetProperty("time_us").GetInt64();
        var eventId = root.TryGetProperty("commit", out var commit)
            ? EventIds.ForCommit(did, commit.GetProperty("collection").GetString()!, commit.GetProperty("rkey").GetString()!,
                commit.GetProperty("rev").GetString()!, commit.GetProperty("operation").GetString()!)
            : $"{EventIds.Prefix}{root.GetProperty("kind").GetString()}_{timeUs}";
        return new QueuedEvent { EventId = eventId, Did = did, TimeUs = timeUs, QueuedAt = DateTimeOffset.UtcNow, EventJson = json };
    }

    /// <summary>
    /// <paramref name="perDid"/> events for each of <paramref name="dids"/> DIDs, round robin. Ids depend on DID and
    /// position only, so events for different subscriptions need different <paramref name="didPrefix"/>es.
    /// </summary>
    public static IReadOnlyList<QueuedEvent> Interleaved(int dids, int perDid, string didPrefix = "did:plc:test") =>
        Enumerable.Range(0, perDid)
            .SelectMany(seq => Enumerable.Range(0, dids).Select(d => Commit($"{didPrefix}{d:D4}", seq)))
            .ToArray();
}
