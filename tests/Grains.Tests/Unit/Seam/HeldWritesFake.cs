using Jetstream.Grains.Processing;

namespace Jetstream.Grains.Tests.Unit.Seam;

/// <summary>The sink's port for held commits, answered by the test (no storage: these tests look at the sink's decisions).</summary>
internal sealed class HeldWritesFake : IHeldEventWriter
{
    public List<(PendingEvent Held, string Rev, TaskCompletionSource Answer)> Writes { get; } = [];

    public List<(string Did, Task Write)> Started { get; } = [];

    public int FailNext { get; set; }

    public Task WriteAsync(PendingEvent held, string rev, CancellationToken cancellationToken)
    {
        if (FailNext > 0)
        {
            FailNext--;
            throw new InvalidOperationException("table unavailable");
        }

        var answer = new TaskCompletionSource();
        Writes.Add((held, rev, answer));
        return answer.Task;
    }

    void IHeldEventWriter.Started(string did, Task write) => Started.Add((did, write));
}
