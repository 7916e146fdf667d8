namespace Jetstream.Bench.Pipeline;

/// <summary>The JIT's work so far in the Silo and the WebhookConsumer: seconds compiling and methods compiled.</summary>
internal sealed record JitTotals(double SiloSeconds, long SiloMethods, double ConsumerSeconds, long ConsumerMethods)
{
    public JitTotals Since(JitTotals earlier) => new(
        SiloSeconds - earlier.SiloSeconds, SiloMethods - earlier.SiloMethods,
        ConsumerSeconds - earlier.ConsumerSeconds, ConsumerMethods - earlier.ConsumerMethods);
}
