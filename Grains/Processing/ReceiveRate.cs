namespace Jetstream.Grains.Processing;

/// <summary>
/// Frames received per second over about the last minute, from samples of the running total taken on the grain's
/// checkpoint timer: what this subscription's socket costs of the server's per-IP rate cap (PROTOCOL.md §2.8).
/// </summary>
public sealed class ReceiveRate(TimeProvider time)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<(DateTimeOffset At, long Total)> _samples = new();

    public void Sample(long totalReceived)
    {
        var now = time.GetUtcNow();
        _samples.Enqueue((now, totalReceived));
        while (_samples.Count > 2 && now - _samples.Peek().At > Window)
        {
            _samples.Dequeue();
        }
    }

    public double PerSecond(long totalReceived)
    {
        if (!_samples.TryPeek(out var oldest))
        {
            return 0;
        }

        var seconds = (time.GetUtcNow() - oldest.At).TotalSeconds;
        return seconds < 1 ? 0 : Math.Round(Math.Max(0, totalReceived - oldest.Total) / seconds, 2);
    }
}
