using Jetstream.WebhookReceiver;
namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Issue 12: on each wire (v1 uncompressed, v1 zstd, v2 zstd) and each stream profile (firehose, seed), limit (a) with
/// the bare reader on that wire, then the pipeline with the Silo on that wire: events/s, the Silo's CPU per event and
/// bytes per event on the wire. Each pair gets a new emulator, Silo and consumer, so no cursor carries over.
/// </summary>
internal sealed class WireScenarios(BenchContext context)
{
    public static readonly StreamProfile[] Profiles = [StreamProfile.Firehose, StreamProfile.SeedProfile];

    public static string LimitName(StreamProfile profile, JetstreamWire wire) => $"ingest-{profile.Name}-{wire.Name}";

    public async Task RunAsync(Azurite azurite, WebhookReceiverHost receiver)
    {
        foreach (var profile in Profiles)
        {
            foreach (var wire in JetstreamWire.All)
            {
                var limit = LimitName(profile, wire);
                try
                {
                    await using var stack = await ScenarioStack.StartEmulatorAsync(context.Layout, azurite, profile);
                    await context.Limits.IngestAsync(stack, limit, wire);
                    context.Phase($"wires: {profile.Name} on {wire.Label}");
                    await stack.StartPipelineAsync(receiver.Url, [.. wire.SiloEnvironment(stack.Control), .. context.Settings.SiloEnvironment], context.Settings.ConsumerEnvironment);
                    var pipeline = await ThroughputRun.MeasureAsync(stack, azurite, receiver, $"{profile.Name} {wire.Label}", context.Settings.WireDuration,
                        double.PositiveInfinity, costPerDelivered: false, context.Settings.WireWarmup);
                    context.Results.Wires.Add(new WireResult(wire, profile, limit, pipeline, null));
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
                {
                    BenchContext.Log($"wires: {profile.Name} on {wire.Label} failed: {ex}");
                    context.Results.Wires.Add(new WireResult(wire, profile, limit, null, ex.Message.Split('\n')[0]));
                }
            }
        }
    }
}
