namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The hosts' settings issue 13's scenarios turn on, in one place, as environment variables. A setting the hosts do not
/// know is ignored by them, so the report shows what happened (requests per event, events per queue message) beside
/// what was asked.
/// </summary>
internal static class DeliveryFeatures
{
    public const int BatchEvents = 100;

    /// <summary>Batches of up to <paramref name="events"/> events per webhook request (the consumer's setting).</summary>
    public static string BatchMaxEvents(int events) => $"Webhook__BatchMaxEvents={events}";

    /// <summary>Queue message version 2 (compressed), the Silo's default, passed explicitly so a run says what it asked; every consumer reads both versions.</summary>
    public const string MessageVersion2 = "Queue__MessageVersion=2";

    /// <summary>Queue message version 1 (plain JSON), which the Silo writes only when told.</summary>
    public const string MessageVersion1 = "Queue__MessageVersion=1";

    /// <summary>The consumer polling as before wake-on-write (its own switch, <c>WakeOnWrite:Enabled</c>), for the comparison.</summary>
    public const string WakeOnWriteOff = "WakeOnWrite__Enabled=false";

    public static string[] Silo(bool messageVersion2) => [messageVersion2 ? MessageVersion2 : MessageVersion1];

    public static string[] Consumer(int batchEvents) => batchEvents > 1 ? [BatchMaxEvents(batchEvents)] : [];
}
