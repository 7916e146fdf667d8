using Jetstream.WebhookReceiver;
namespace Jetstream.Bench.Pipeline;

/// <summary>One moment of a cold-to-warm run: seconds since the feed began, events delivered, each host's CPU so far, the JIT's totals.</summary>
internal sealed record ColdWarmSnapshot(double Seconds, long Delivered, IReadOnlyDictionary<string, double> CpuSeconds, JitTotals Jit, string LoadAverage)
{
    public static async Task<ColdWarmSnapshot> TakeAsync(ScenarioStack stack, WebhookReceiverHost receiver, double seconds) =>
        new(seconds, receiver.Stats.Events, stack.Hosts().ToDictionary(h => h.Name, h => h.Sample().CpuSeconds), await stack.JitAsync(), MachineInfo.LoadAverage());

    /// <summary>What happened between <paramref name="earlier"/> and this snapshot.</summary>
    public ColdWarmWindow Since(ColdWarmSnapshot earlier, string name) => new(
        name,
        earlier.Seconds,
        Seconds,
        Delivered - earlier.Delivered,
        CpuSeconds.ToDictionary(c => c.Key, c => c.Value - earlier.CpuSeconds.GetValueOrDefault(c.Key)),
        Jit.Since(earlier.Jit),
        $"{earlier.LoadAverage.Split(' ')[0]}–{LoadAverage.Split(' ')[0]}");
}
