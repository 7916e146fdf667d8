namespace Jetstream.ServiceDefaults;

/// <summary>The meters and activity sources every host exports, and the scrape route.</summary>
public static class TelemetryNames
{
    /// <summary>
    /// Every meter and activity source of this application is named <c>Jetstream.&lt;Part&gt;</c>
    /// (<c>Jetstream.Processor</c>, <c>Jetstream.WebhookConsumer</c>): one wildcard picks up a part's instruments in
    /// whichever host runs it, without this project referencing the parts.
    /// </summary>
    public const string ApplicationWildcard = "Jetstream.*";

    /// <summary>The Orleans runtime's meter (grain calls, messaging, scheduler, activations).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    public const string MetricsRoute = "/metrics";
}
