namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The JIT's work so far in the Silo and the WebhookConsumer: the runtime's own timer of time spent compiling (wall
/// clock: on a loaded machine it counts waits for a core), methods compiled, and the CPU of the tiered-compilation thread.
/// </summary>
internal sealed record JitTotals(
    double SiloSeconds, long SiloMethods, double ConsumerSeconds, long ConsumerMethods, double SiloTieringCpu = 0, double ConsumerTieringCpu = 0)
{
    public JitTotals Since(JitTotals earlier) => new(
        SiloSeconds - earlier.SiloSeconds, SiloMethods - earlier.SiloMethods,
        ConsumerSeconds - earlier.ConsumerSeconds, ConsumerMethods - earlier.ConsumerMethods,
        SiloTieringCpu - earlier.SiloTieringCpu, ConsumerTieringCpu - earlier.ConsumerTieringCpu);
}
