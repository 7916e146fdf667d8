using Jetstream.Atproto.Syntax;
using Microsoft.Extensions.Time.Testing;

namespace Jetstream.Atproto.Tests.Syntax;

public sealed class TidTests
{
    [Fact]
    public void Next_increases_even_when_the_clock_stands_still_or_steps_back()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
        var first = Tid.Next(time);
        var second = Tid.Next(time);
        var third = Tid.Next(new FakeTimeProvider(time.GetUtcNow().AddSeconds(-10)));
        Assert.True(first.CompareTo(second) < 0);
        Assert.True(second.CompareTo(third) < 0);
        Assert.True(Tid.TryParse(third.Value, out _));
    }

    [Fact]
    public void String_order_is_time_order()
    {
        var earlier = Tid.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var later = Tid.FromTime(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True(string.CompareOrdinal(earlier.Value, later.Value) < 0);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000, earlier.TimestampMicroseconds);
    }
}
