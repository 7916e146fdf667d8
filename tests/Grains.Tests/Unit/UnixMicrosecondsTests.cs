using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Tests.Unit;

public sealed class UnixMicrosecondsTests
{
    [Fact]
    public void A_jetstream_time_us_round_trips_to_the_microsecond()
    {
        const long timeUs = 1_725_911_162_329_308;

        var time = UnixMicroseconds.ToTime(timeUs);

        Assert.Equal(new DateTimeOffset(2024, 9, 9, 19, 46, 2, TimeSpan.Zero).AddTicks(3_293_080), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
        Assert.Equal(timeUs, UnixMicroseconds.From(time));
    }

    [Fact]
    public void A_time_with_an_offset_is_counted_from_the_epoch_in_utc_and_truncated_to_the_microsecond()
    {
        var time = new DateTimeOffset(1970, 1, 1, 2, 0, 1, TimeSpan.FromHours(2)).AddTicks(19);

        Assert.Equal(1_000_001, UnixMicroseconds.From(time));
    }

    [Fact]
    public void Spans_and_seconds_are_counted_in_microseconds()
    {
        Assert.Equal(86_400_000_000L, UnixMicroseconds.Of(TimeSpan.FromDays(1)));
        Assert.Equal(1, UnixMicroseconds.Of(TimeSpan.FromTicks(19)));
        Assert.Equal(5_000_000L, UnixMicroseconds.OfSeconds(5));
        Assert.Equal(int.MaxValue * 1_000_000L, UnixMicroseconds.OfSeconds(int.MaxValue));
    }
}
