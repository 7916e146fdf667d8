using System.Security.Cryptography;
using System.Text;
using Jetstream.WebhookConsumer.Receive;

namespace Jetstream.WebhookConsumer.Deliver;

/// <summary>
/// One request: its events in the order they go in the body, and its <c>webhook-id</c>. With batches off a request is
/// <see cref="Single"/>: one event, its own id and its bytes as the body; otherwise the id is derived from the events'.
/// </summary>
internal sealed class WebhookBatch
{
    public const string IdPrefix = "bat_";

    private static readonly byte[] Open = "{\"events\":["u8.ToArray();
    private static readonly byte[] Close = "]}"u8.ToArray();

    public WebhookBatch(IReadOnlyList<InFlightEvent> events, bool single = false)
    {
        if (single && events.Count != 1)
        {
            throw new ArgumentException($"A single request carries one event, not {events.Count}.", nameof(events));
        }

        Events = events;
        Single = single;
        Id = single ? events[0].Queued.EventId : IdFor(events.Select(e => e.Queued.EventId));
    }

    public IReadOnlyList<InFlightEvent> Events { get; }

    /// <summary>One event sent as itself (batches off): the body is the event's bytes, not <c>{"events":[…]}</c>.</summary>
    public bool Single { get; }

    public string Id { get; }

    /// <summary>
    /// <c>bat_</c> and the first 16 bytes, in lowercase hex, of SHA-256 over the events' ids in body order, each followed
    /// by a newline: the same events in the same order always give the same id, so a retried batch keeps it.
    /// </summary>
    public static string IdFor(IEnumerable<string> eventIds)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> line = stackalloc byte[128];
        foreach (var id in eventIds)
        {
            var written = Encoding.UTF8.GetBytes(id, line);
            line[written] = (byte)'\n';
            hash.AppendData(line[..(written + 1)]);
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return IdPrefix + Convert.ToHexStringLower(digest[..16]);
    }

    /// <summary>What a body of these event bodies takes: the brackets and one comma between two events.</summary>
    public static int BodyLength(int events, long eventBytes) => Open.Length + Close.Length + Math.Max(0, events - 1) + (int)eventBytes;

    /// <summary><c>{"events":[</c>, each event's bytes exactly as a single request carries them, separated by commas, <c>]}</c>.</summary>
    public static byte[] Body(IReadOnlyList<ReadOnlyMemory<byte>> events)
    {
        var body = new byte[BodyLength(events.Count, events.Sum(e => (long)e.Length))];
        var span = body.AsSpan();
        Open.CopyTo(span);
        var offset = Open.Length;
        for (var i = 0; i < events.Count; i++)
        {
            if (i > 0)
            {
                span[offset++] = (byte)',';
            }

            events[i].Span.CopyTo(span[offset..]);
            offset += events[i].Length;
        }

        Close.CopyTo(span[offset..]);
        return body;
    }
}
