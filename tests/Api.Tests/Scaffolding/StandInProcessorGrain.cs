using System.Collections.Immutable;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Tests.Scaffolding;

// SCAFFOLDING: stands in for JetstreamProcessorGrain until it lands on main; deleted then.
public sealed class StandInProcessorGrain : Grain, IJetstreamProcessorGrain
{
    private ProcessorStats _stats = Initial();
    private ConnectionStatus _status = new() { Connected = true, ReadyState = 1, State = ConnectionState.Connected, Endpoint = "ws://127.0.0.1/subscribe", ConnectedSince = DateTimeOffset.UtcNow };

    public Task EnsureRunning() => Task.CompletedTask;

    public Task<ProcessorStats> GetStats() => Task.FromResult(_stats);

    public Task<ConnectionStatus> GetStatus() => Task.FromResult(_status);

    public Task<ProcessorStats> ResetStats()
    {
        _stats = new ProcessorStats { Cursor = _stats.Cursor, StartedAt = DateTimeOffset.UtcNow };
        return Task.FromResult(_stats);
    }

    public Task Reconnect()
    {
        _status = _status with { ConnectedSince = DateTimeOffset.UtcNow };
        return Task.CompletedTask;
    }

    private static ProcessorStats Initial()
    {
        var now = DateTimeOffset.UtcNow;
        var counts = ImmutableDictionary<string, long>.Empty
            .Add("work.doing.task", 1234)
            .Add("blue.2048.game", 87)
            .Add("<script>alert(1)</script>", 3);
        var minutes = Enumerable.Range(0, 50).Select(i => new MinuteBucket(
            new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-i),
            ImmutableDictionary<string, long>.Empty.Add("work.doing.task", 10 + i % 7).Add("blue.2048.game", i % 3).Add("<script>alert(1)</script>", i % 2)))
            .Reverse().ToImmutableArray();
        return new ProcessorStats
        {
            Cursor = (now.AddSeconds(-3).ToUnixTimeMilliseconds()) * 1000,
            EventCounts = counts,
            TotalEvents = 1324,
            TotalReceived = 2000,
            QueuedEvents = 1324,
            LastEventTime = now.AddSeconds(-3),
            LastProcessedAt = now.AddSeconds(-2),
            StartedAt = now.AddHours(-1),
            EventsPerSecond = 0.35,
            RecentMinutes = minutes,
        };
    }
}
