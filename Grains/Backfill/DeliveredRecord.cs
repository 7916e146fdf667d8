using Jetstream.Atproto.Cids;

namespace Jetstream.Grains.Backfill;

/// <summary>One record version the subscription last delivered, as the repair index holds it.</summary>
internal sealed record DeliveredRecord(string Collection, string Rkey, Cid Cid);
