using System.Text.Json;
using Jetstream.Storage;
using Jetstream.WebhookReceiver;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// What a real receiver got, read event by event: a body is one event, or a batch (<c>{"events":[…]}</c>) whose
/// events each carry their own id under the batch's <c>webhook-id</c>; and per-DID order checked over it.
/// </summary>
internal static class ReceivedEvents
{
    /// <summary>The <c>webhook-id</c>s a body's events carry on their own: one event, or a batch's <c>events</c>.</summary>
    public static IReadOnlyList<string> EventIds(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("events", out var events))
        {
            return [TestEvents.FromJson(body).EventId];
        }

        return [.. events.EnumerateArray().Select(e => TestEvents.FromJson(System.Text.Encoding.UTF8.GetBytes(e.GetRawText())).EventId)];
    }

    /// <summary>Every event of every accepted request, in arrival order (a batch's events in body order).</summary>
    public static List<AcceptedEvent> Accepted(IEnumerable<Delivery> deliveries) =>
        [.. deliveries.OrderBy(d => d.ArrivedAt).SelectMany(d => EventIds(d.Body).Select(id => new AcceptedEvent(id, d.Id, d.ArrivedAt)))];

    /// <summary>
    /// First arrivals that came before the first arrival of an earlier-queued event of the same DID, counted over each
    /// DID's first arrivals one after the next; <paramref name="arrived"/> is event ids in arrival order, repeats allowed.
    /// </summary>
    public static int Overtaken(IReadOnlyList<QueuedEvent> queued, IEnumerable<string> arrived)
    {
        var position = queued.Select((e, i) => (e.EventId, i)).ToDictionary(x => x.EventId, x => x.i);
        var seen = new HashSet<string>();
        return arrived
            .Where(seen.Add)
            .GroupBy(id => queued[position[id]].Did)
            .Sum(did => did.Zip(did.Skip(1)).Count(pair => position[pair.Second] < position[pair.First]));
    }
}
