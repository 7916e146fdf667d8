namespace Jetstream.WebhookConsumer.Settle;

/// <summary>What happens to one received message once its events' outcomes are known (<see cref="MessageDecision"/>).</summary>
internal enum MessageAction
{
    /// <summary>Nothing is left in it (delivered, copies, dead-lettered, regrouped): deleted.</summary>
    Delete,

    /// <summary>What is left is unchanged: made visible again when the earliest of it is due, the body untouched.</summary>
    PutBack,

    /// <summary>What is left changed (attempts recorded, events gone): rewritten, and hidden until the earliest is due.</summary>
    Rewrite,

    /// <summary>The circuit is open and an event left in it is due by the probe: kept in hand under a lease past the probe.</summary>
    Keep,
}
