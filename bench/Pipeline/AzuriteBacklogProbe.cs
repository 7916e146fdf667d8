using System.Diagnostics;
using Azure.Storage.Queues;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// What one queue's backlog costs every other queue on Azurite: a bare loop of send, receive and delete on an empty
/// queue while another queue holds a growing number of unread 8 KB messages. None of our hosts runs meanwhile.
/// </summary>
internal static class AzuriteBacklogProbe
{
    private const int Rounds = 200;

    public static async Task<IReadOnlyList<BacklogProbeRow>> RunAsync(string connectionString, IReadOnlyList<int> backlogs)
    {
        var probe = new QueueClient(connectionString, "bench-probe");
        var backlog = new QueueClient(connectionString, "bench-probe-backlog");
        await probe.CreateIfNotExistsAsync();
        await backlog.CreateIfNotExistsAsync();
        var body = new string('a', 8_000);
        var rows = new List<BacklogProbeRow>();
        var filled = 0;
        foreach (var count in backlogs)
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(filled, Math.Max(0, count - filled)),
                new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (_, token) => await backlog.SendMessageAsync(body, visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), token));
            filled = Math.Max(filled, count);
            rows.Add(await MeasureAsync(probe, count));
        }

        await probe.DeleteIfExistsAsync();
        await backlog.DeleteIfExistsAsync();
        return rows;
    }

    private static async Task<BacklogProbeRow> MeasureAsync(QueueClient probe, int backlog)
    {
        var samples = new double[Rounds];
        for (var i = 0; i < Rounds; i++)
        {
            await probe.SendMessageAsync("x");
            var clock = Stopwatch.StartNew();
            var received = await probe.ReceiveMessagesAsync(32);
            foreach (var message in received.Value)
            {
                await probe.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }

            samples[i] = clock.Elapsed.TotalMilliseconds;
        }

        Array.Sort(samples);
        return new BacklogProbeRow(backlog, samples[Rounds / 2], samples[(int)(Rounds * 0.99)]);
    }
}
