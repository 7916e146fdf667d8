using Jetstream.Storage;

namespace Jetstream.Grains.Backfill;

/// <summary>A live commit held while its repository is backfilled, as <see cref="HeldEventTable"/> keeps it (RowKey <c>{rev}~{event id}</c>).</summary>
public sealed record HeldEvent(string RowKey, string Rev, QueuedEvent Event);
