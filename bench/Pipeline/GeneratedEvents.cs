using System.Text.Json;
using Jetstream.Emulator;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// What the emulator published, known without asking it: its generator is deterministic for a seed and profile, so
/// replaying the same one gives the same events in the same order (only <c>time_us</c>, which the emulator stamps, differs).
/// </summary>
internal static class GeneratedEvents
{
    /// <summary>The commits among events <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), keyed by collection.</summary>
    public static Dictionary<string, HashSet<string>> CommitsByCollection(GeneratorProfile profile, long from, long to)
    {
        var generator = new EventGenerator(StreamProfile.Seed, profile);
        var byCollection = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        for (var i = 0L; i < to; i++)
        {
            var json = generator.NextUtf8();
            if (i >= from && KeyOf(json) is { } key)
            {
                var collection = key[..key.IndexOf(' ')];
                if (!byCollection.TryGetValue(collection, out var keys))
                {
                    byCollection[collection] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(key);
            }
        }

        return byCollection;
    }

    /// <summary>A commit's collection, repository, record key, revision and operation, or null for other events.</summary>
    public static string? KeyOf(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            if (!root.TryGetProperty("commit", out var commit))
            {
                return null;
            }

            string Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";
            return $"{Text(commit, "collection")} {Text(root, "did")} {Text(commit, "rkey")} {Text(commit, "rev")} {Text(commit, "operation")}";
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
