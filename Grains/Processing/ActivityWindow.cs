using System.Collections.Immutable;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Grains.Processing;

/// <summary>
/// Queued commits per second (last minute) and per minute and collection (last hour), in memory only:
/// enough for the dashboard's rate and chart without touching storage.
/// </summary>
public sealed class ActivityWindow(TimeProvider time)
{
    private const int Seconds = 60;
    private const int Minutes = 60;
    private readonly long[] _perSecond = new long[Seconds];
    private readonly long[] _secondStamp = new long[Seconds];
    private readonly Dictionary<string, long>?[] _perMinute = new Dictionary<string, long>?[Minutes];
    private readonly long[] _minuteStamp = new long[Minutes];

    public void Record(string collection, int count = 1)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var s = (int)(now % Seconds);
        if (_secondStamp[s] != now)
        {
            _secondStamp[s] = now;
            _perSecond[s] = 0;
        }

        _perSecond[s] += count;

        var minute = now / 60;
        var m = (int)(minute % Minutes);
        if (_minuteStamp[m] != minute || _perMinute[m] is null)
        {
            _minuteStamp[m] = minute;
            _perMinute[m] = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        var counts = _perMinute[m]!;
        counts[collection] = counts.GetValueOrDefault(collection) + count;
    }

    /// <summary>Average over the last 60 whole seconds.</summary>
    public double EventsPerSecond()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        long total = 0;
        for (var i = 0; i < Seconds; i++)
        {
            if (_secondStamp[i] > now - Seconds && _secondStamp[i] < now)
            {
                total += _perSecond[i];
            }
        }

        return total / (double)Seconds;
    }

    public ImmutableArray<MinuteBucket> RecentMinutes()
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var buckets = ImmutableArray.CreateBuilder<MinuteBucket>();
        for (var back = Minutes - 1; back >= 0; back--)
        {
            var stamp = minute - back;
            var m = (int)(stamp % Minutes);
            if (_minuteStamp[m] == stamp && _perMinute[m] is { Count: > 0 } counts)
            {
                buckets.Add(new MinuteBucket(DateTimeOffset.FromUnixTimeSeconds(stamp * 60), counts.ToImmutableDictionary(StringComparer.Ordinal)));
            }
        }

        return buckets.ToImmutable();
    }

    public void Clear()
    {
        Array.Clear(_perSecond);
        Array.Clear(_secondStamp);
        Array.Clear(_perMinute);
        Array.Clear(_minuteStamp);
    }
}
