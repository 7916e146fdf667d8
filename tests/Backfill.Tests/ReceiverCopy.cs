using System.Text.Json.Nodes;
using Jetstream.WebhookReceiver;

namespace Jetstream.Backfill.Tests;

/// <summary>
/// What a receiver holds after applying every delivery in arrival order, as a Standard Webhooks receiver does: a
/// <c>webhook-id</c> seen before is a retry and is not applied again; a create or update sets rkey → (CID, record), a
/// delete removes the rkey. Per DID.
/// </summary>
public sealed class ReceiverCopy
{
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    public Dictionary<string, Dictionary<string, (string Cid, JsonNode? Record)>> Records { get; } = new(StringComparer.Ordinal);

    /// <summary>First deliveries in arrival order: the webhook-id and the parsed body.</summary>
    public List<(string Id, JsonNode Event)> Applied { get; } = [];

    public static ReceiverCopy Of(IEnumerable<Delivery> deliveries)
    {
        var copy = new ReceiverCopy();
        foreach (var delivery in deliveries)
        {
            copy.Apply(delivery);
        }

        return copy;
    }

    public IReadOnlyDictionary<string, (string Cid, JsonNode? Record)> Of(string did) =>
        Records.TryGetValue(did, out var records) ? records : new Dictionary<string, (string, JsonNode?)>();

    private void Apply(Delivery delivery)
    {
        if (!_applied.Add(delivery.Id))
        {
            return;
        }

        var json = JsonNode.Parse(delivery.Body)!;
        Applied.Add((delivery.Id, json));
        var did = json["did"]!.GetValue<string>();
        if (json["commit"] is not { } commit)
        {
            return;
        }

        if (!Records.TryGetValue(did, out var records))
        {
            Records[did] = records = new(StringComparer.Ordinal);
        }

        var rkey = commit["rkey"]!.GetValue<string>();
        if (commit["operation"]!.GetValue<string>() == "delete")
        {
            records.Remove(rkey);
        }
        else
        {
            records[rkey] = (commit["cid"]!.GetValue<string>(), commit["record"]?.DeepClone());
        }
    }
}
