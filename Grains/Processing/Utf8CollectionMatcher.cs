using System.Text;
using Jetstream.Grains.Events;
using Jetstream.Grains.Interfaces.Events;

namespace Jetstream.Grains.Processing;

/// <summary><see cref="CollectionFilter"/> over the raw UTF-8 of a frame, so non-matching commits cost no allocation.</summary>
public sealed class Utf8CollectionMatcher
{
    private readonly CollectionFilter _filter;
    private readonly byte[][] _exact;
    private readonly byte[][] _prefixes;

    public Utf8CollectionMatcher(CollectionFilter filter)
    {
        _filter = filter;
        _exact = filter.Patterns.Where(p => !p.EndsWith(".*", StringComparison.Ordinal)).Select(Encoding.UTF8.GetBytes).ToArray();
        _prefixes = filter.Patterns.Where(p => p.EndsWith(".*", StringComparison.Ordinal)).Select(p => Encoding.UTF8.GetBytes(p[..^1])).ToArray();
    }

    public bool Matches(ReadOnlySpan<byte> frame, Utf8Slice collection)
    {
        if (_filter.MatchesAll)
        {
            return true;
        }

        if (collection.IsEscaped)
        {
            return _filter.Matches(collection.ToString(frame));
        }

        var value = collection.RawSpan(frame);
        foreach (var exact in _exact)
        {
            if (value.SequenceEqual(exact))
            {
                return true;
            }
        }

        foreach (var prefix in _prefixes)
        {
            if (value.StartsWith(prefix))
            {
                return true;
            }
        }

        return false;
    }
}
