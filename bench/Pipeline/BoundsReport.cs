using System.Text;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The "What bounds the figures" section of docs/performance.md (issue 6's run): the CPU each host spent per event in
/// each scenario and against each limit, and the changes of issue 6 the figures measure.
/// </summary>
internal sealed class BoundsReport(Results results, BenchSettings settings) : MarkdownWriter
{
    /// <summary>
    /// What bounds the figures, computed from this run: the CPU each host spends per event does not depend on how much of
    /// the machine the run got, so it gives the rate two cores could sustain if nothing else ran.
    /// </summary>
    public string ToMarkdown()
    {
        Line("## What bounds the figures");
        Line();
        var cores = results.Machine.Cores;
        void Scenario(string name, List<HostUsage>? usage, long events, double measured)
        {
            if (usage is null || events <= 0)
            {
                return;
            }

            var total = usage.Sum(u => u.CpuSeconds);
            var wall = usage.Max(u => u.WallSeconds);
            var perEvent = total * 1e6 / events;
            var top = usage.OrderByDescending(u => u.CpuSeconds).First();
            Line($"- **{name}**: our processes used {100 * total / wall:F0} % CPU of the {100 * cores} % the machine has " +
                 $"({string.Join(", ", usage.OrderByDescending(u => u.CpuSeconds).Select(u => $"{u.Host} {u.CpuPercent:F0} %"))}); " +
                 $"{perEvent:F0} µs of CPU per event in all, the most in {top.Host} ({top.CpuSeconds * 1e6 / events:F0} µs). " +
                 $"At that cost {cores} cores with nothing else running would carry about {cores * 1e6 / perEvent:N0} events/s; the run measured {measured:N0}/s. " +
                 (total / wall < cores * 0.8
                     ? "The hosts did not use the whole machine, so the rate was bound by waiting (storage round trips, and the scheduler: see the load average) rather than by their own CPU."
                     : "The hosts used (nearly) the whole machine: the rate is CPU-bound."));
        }

        Scenario("Firehose", results.Firehose?.Usage, results.Firehose?.CostEvents ?? 0, results.Firehose?.DeliveredPerSecond ?? 0);
        if (results.Firehose is { CostEvents: > 0 } f && Limit("delivery") is { } c && results.LimitUsage.GetValueOrDefault("delivery") is { } cUsage)
        {
            var pipelinePerEvent = f.Usage.Sum(u => u.CpuSeconds) * 1e6 / f.CostEvents;
            var limitPerEvent = cUsage.Sum(u => u.CpuSeconds) * 1e6 / Math.Max(1, c.Events);
            var storage = f.Usage.FirstOrDefault(u => u.Host.StartsWith("Azurite", StringComparison.Ordinal));
            var consumerSide = f.Usage.Where(u => u.Host is "WebhookConsumer" || u.Host.StartsWith("Bench process", StringComparison.Ordinal)).Sum(u => u.CpuSeconds) * 1e6 / f.CostEvents;
            Line($"- **Firehose against (c)**: the bare delivery loop and the receiver spend {limitPerEvent:F0} µs of CPU per request; the pipeline spends " +
                 $"{pipelinePerEvent:F0} µs per delivered event, because each event is also read, parsed, queued, stored by Azurite, received and decoded. " +
                 $"On a machine that is CPU-bound either way, the pipeline can reach about {limitPerEvent / pipelinePerEvent:P0} of (c), whatever the code does " +
                 "around the HTTP request. " +
                 (consumerSide > 0
                     ? $"Even with the emulator, the Silo and Azurite off this machine, the consumer and the receiver alone spend {consumerSide:F0} µs per event, " +
                       $"{limitPerEvent / consumerSide:P0} of (c)'s rate: the consumer reads and decodes each event from its queue message, signs it, and settles " +
                       "the message afterwards, which the bare loop does not. "
                     : "") +
                 (storage is null ? "" : $"Azurite alone is {storage.CpuSeconds * 1e6 / f.CostEvents:F0} µs per event (a queue write, a delete and a share of a receive per message, " +
                 "plus the cursor checkpoints), and Azurite is one node thread, so it alone caps the pipeline at about " +
                 $"{1e6 / (storage.CpuSeconds * 1e6 / f.CostEvents):N0} events/s on any number of cores. With Azure Storage that cost is not on the service's cores " +
                 "(`--azurite-in-memory` shows how much of it is Azurite's disk writes)."));
        }

        Scenario("Seed profile", results.Seed?.Usage, results.Seed?.CostEvents ?? 0, results.Seed?.ReceivedPerSecond ?? 0);
        if (results.Seed is { CostEvents: > 0 } sd && Limit("ingest-seed") is { } a && results.LimitUsage.GetValueOrDefault("ingest-seed") is { } aUsage)
        {
            var limitPerEvent = aUsage.Sum(u => u.CpuSeconds) * 1e6 / Math.Max(1, a.Events);
            var pipelinePerEvent = sd.Usage.Sum(u => u.CpuSeconds) * 1e6 / sd.CostEvents;
            var siloPerEvent = sd.Usage.FirstOrDefault(u => u.Host == "Silo")?.CpuSeconds * 1e6 / sd.CostEvents ?? 0;
            Line($"- **Seed profile against (a)**: the emulator and the bare reader spend {limitPerEvent:F1} µs of CPU per event; the pipeline spends " +
                 $"{pipelinePerEvent:F1} µs, of which the Silo (reading, parsing, skipping, queueing) {siloPerEvent:F1} µs and the rest the 5 % matching commits' " +
                 $"way through Azurite, the consumer and the receiver. On a machine that is CPU-bound either way, that puts the pipeline at about " +
                 $"{limitPerEvent / pipelinePerEvent:P0} of (a): the skipped events are cheap (see the micro-benchmarks), the commits that are queued and delivered are not.");
        }

        if (results.Latency is { Delivered: > 0 } l && l.Usage.FirstOrDefault(u => u.Host.StartsWith("Azurite", StringComparison.Ordinal)) is { } az)
        {
            Line($"- **Latency**: at {l.OfferedPerSecond:F0} events/s Azurite used {az.CpuPercent:F0} % of a core ({az.CpuSeconds * 1e6 / l.Delivered:N0} µs per delivered event): " +
                 $"a message carried {l.EventsPerMessage:F2} events on average (a write usually finishes before the next commit comes), so nearly every event costs a " +
                 "queue write, a delete and a share of the consumer's polls. The median is the path itself; the tail is Azurite, a single-threaded node " +
                 "process, answering late while it is busy (and the scheduler, when the machine is loaded).");
        }

        if (Limit("queue-packed") is { } packed && Limit("queue-single") is { } single)
        {
            Line($"- **Queue**: Azurite took {single.MessagesPerSecond:N0} messages/s one event each and {packed.MessagesPerSecond:N0} messages/s packed " +
                 $"({packed.Bytes / Math.Max(1, packed.Messages):N0} B, {(double)packed.Events / Math.Max(1, packed.Messages):F0} events each): storage cost is per request, " +
                 $"so packing multiplies the event rate by {packed.EventsPerSecond / Math.Max(1, single.EventsPerSecond):F0}. The consumer adds a delete per message and a receive per 32 messages to the same Azurite.");
            if (Limit("queue-deflate") is { } deflated)
            {
                double PerEvent(string limit, string host) =>
                    (results.LimitUsage.GetValueOrDefault(limit)?.FirstOrDefault(u => u.Host.StartsWith(host, StringComparison.Ordinal))?.CpuSeconds ?? 0) * 1e6
                    / Math.Max(1, Limit(limit)!.Events);
                Line($"- **Compressed messages** (message version 2, the processor's default `Queue:MessageVersion`; it writes version 1 when told `Queue:MessageVersion=1`): deflate and base64 fit {(double)deflated.Events / Math.Max(1, deflated.Messages):F0} " +
                     $"events into a message instead of {(double)packed.Events / Math.Max(1, packed.Messages):F0}. Azurite then spent {PerEvent("queue-deflate", "Azurite"):F1} µs of CPU per event " +
                     $"instead of {PerEvent("queue-packed", "Azurite"):F1}, and the sending loop, which compresses, {PerEvent("queue-deflate", "limit loop"):F1} µs instead of " +
                     $"{PerEvent("queue-packed", "limit loop"):F1}. The receives and deletes the consumer makes shrink in the same proportion as the writes; " +
                     "consumers read both versions since the release that introduced version 2; an upgrade from an earlier release sets `Queue:MessageVersion=1` on the silos until its consumers are upgraded (docs/queue-contract.md).");
            }
        }

        if (Limit("delivery") is { } delivery && results.LimitUsage.GetValueOrDefault("delivery") is { } deliveryUsage)
        {
            var cpu = deliveryUsage.Sum(u => u.CpuSeconds) * 1e6 / Math.Max(1, delivery.Events);
            Line($"- **Delivery limit**: the bare loop and the receiver spend {cpu:F0} µs of CPU per request together; the loop reached {delivery.EventsPerSecond:N0}/s.");
        }

        if (results.Firehose?.Usage.FirstOrDefault(u => u.Host == "Silo") is { } silo)
        {
            Line($"- **Silo memory**: peak RSS {Mib(silo.PeakRssBytes):F0} MiB ({silo.PeakRssBytes / 1e6:F0} MB) in the firehose with {results.SiloGc}; of that, the Silo's own memory " +
                 $"(anonymous RSS: GC heap, native heaps, stacks) peaked at {Mib(silo.PeakAnonBytes):F0} MiB, and the rest are file-backed pages: the runtime and " +
                 "the assemblies mapped from disk (shared with every other .NET process and droppable by the kernel) and the JIT's double-mapped code pages. " +
                 $"Started and subscribed but before the feed, the Silo (Orleans, ASP.NET Core, the dashboard's collectors, the Azure SDKs) held " +
                 $"{Mib(results.Firehose.SiloIdleRssBytes):F0} MiB RSS. What the feed adds is GC heap: the messages in flight (the queue SDK turns each ~60 KB " +
                 "body into a UTF-16 string and an XML request), and the window of recent event ids that recognises replays after a failover (15 s of stream " +
                 "time, over 100,000 ids at this rate, kept as 128-bit numbers). " +
                 GcHeapSentence(results.Firehose.SiloGcPeakBytes) +
                 (silo.PeakRssBytes <= Report.SiloRssTargetMb * 1_000_000L
                     ? $"The target is met with {Report.SiloRssTargetMb - silo.PeakRssBytes / 1e6:F1} MB to spare."
                     : $"The target is missed by {silo.PeakRssBytes / 1e6 - Report.SiloRssTargetMb:F1} MB."));
        }

        // Written by hand from profiles (perf), not by this run: the link keeps it findable when this section is regenerated.
        Line("- **CPU per delivered event in batches (issue 13)**: where the Silo's and the consumer's microseconds go, host by host, " +
             "from CPU profiles of the batched firehose, and what the 25 µs target would need: [cpu-per-event.md](cpu-per-event.md).");
        Line();
        Line("Changes for issue 6 in the code measured here:");
        Line();
        Line("- The processor sends a partly filled message when its socket has nothing buffered only if no write is out, and otherwise when that " +
             "write finishes, so a message carries what arrived meanwhile instead of one event each: fewer, fuller queue writes at moderate rates " +
             "(Grains/JetstreamProcessorGrain.cs, Grains/Processing/QueueSink.cs).");
        Line("- `Queue:MaxEventsPerMessage` defaults to 256 instead of 64, so the 60 KiB byte cap decides how full a message is (the events per " +
             "message are above): fewer queue writes, deletes and receives per event (Storage/QueueOptions.cs).");
        Line("- The Silo runs Workstation GC without background collections and with the large-object threshold at 1 MiB " +
             "(Silo/Silo.csproj): the SDK's per-message strings and buffers (100-250 KB) die in gen 0 instead of piling up on the large-object heap " +
             "until a gen-2 collection. The consumer has the same large-object threshold (WebhookConsumer/WebhookConsumer.csproj).");
        Line("- The Silo's image caps the GC's gen-1 budget at 16 MiB (`DOTNET_GCGen1MaxBudget=0x1000000` in Silo/Dockerfile; run.sh and this " +
             "benchmark start the Silo with the `DOTNET_` settings of that file, because the runtime reads this one only from the environment). " +
             "Without the cap, the budget the GC derived from start-up, when most objects survive, let gen 1 fill with the feed's short-lived " +
             "objects for tens of seconds before its first gen-1 collection, and that one-time swell decided the Silo's peak RSS; " +
             "`--silo-env DOTNET_GCGen1MaxBudget=0` runs the firehose without the cap, and the gen-1 figure above shows the difference.");
        Line("- The recent-id window keeps 128-bit numbers instead of strings, and the grain directory cache is sized for this cluster (10,000 " +
             "entries instead of a preallocated million) (Grains/Processing/RecentEventIds.cs, Silo/SiloHostingExtensions.cs).");
        Line("- The consumer's webhook client has no client-factory logging handlers (each request was logged and wrapped in a log scope); " +
             "the consumer receives the next batch while it delivers the current one and settles a delivered batch while it delivers the next; " +
             "batches are still delivered one after another, so the per-DID order holds (WebhookConsumer/WebhookConsumerExtensions.cs, " +
             "WebhookConsumer/Hosting/WebhookConsumerService.cs, WebhookConsumer/Deliver/BatchProcessor.cs).");
        Line("- On an empty queue the consumer first waits 10 ms instead of 50 ms (still doubling up to Webhook:MaxPollInterval): while events " +
             "trickle in, that wait was most of their latency (WebhookConsumer/WebhookConsumerService.cs).");
        Line($"- The benchmark warms the pipeline up for {settings.Warmup.TotalSeconds:F0} s before the window (it was 5 s): for the first 10-15 s " +
             "after the feed starts, the hosts' code is still being re-jitted (tiered compilation) and delivery runs well below its steady rate; " +
             "the per-5 s series above shows what is left of that.");
        Line();
        return Text();
    }

    /// <summary>The Silo's GC heap per generation at its largest, as one sentence (empty if the Silo's metrics gave none).</summary>
    private static string GcHeapSentence(IReadOnlyDictionary<string, long> peaks)
    {
        string[] order = ["gen0", "gen1", "gen2", "loh", "poh"];
        var parts = order.Where(peaks.ContainsKey).Select(g => $"{(g == "loh" ? "large objects" : g == "poh" ? "pinned objects" : g)} {peaks[g] / 1e6:F1} MB").ToList();
        return parts.Count == 0
            ? ""
            : "The GC heap's generations at their largest after a collection, from the feed's start to the window's end (the Silo's " +
              $"`dotnet.gc.last_collection.heap.size` metric, read every 2 s): {string.Join(", ", parts)}. ";
    }

    private LimitResult? Limit(string name) => results.Limits.GetValueOrDefault(name);
}
