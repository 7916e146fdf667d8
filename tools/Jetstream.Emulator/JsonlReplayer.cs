using System.Text;
using System.Text.Json;

namespace Jetstream.Emulator;

/// <summary>
/// Replays a JSONL capture (one Jetstream event per line): as an <see cref="IEventSource"/> it hands out the lines in
/// order and starts over at the end; <see cref="PublishFile"/> publishes the file once. Publishing re-stamps
/// <c>time_us</c> with the emulator's clock and keeps every other byte.
/// </summary>
public sealed class JsonlReplayer : IEventSource
{
    private readonly byte[][] _lines;
    private int _next;

    public JsonlReplayer(string path)
    {
        _lines = ReadLines(path).Select(Encoding.UTF8.GetBytes).ToArray();
        if (_lines.Length == 0)
        {
            throw new InvalidDataException($"{path} contains no events.");
        }
    }

    public int Count => _lines.Length;

    public byte[] NextUtf8()
    {
        var line = _lines[_next];
        _next = (_next + 1) % _lines.Length;
        return line;
    }

    /// <summary>The non-blank lines of a JSONL file, each checked to be a JSON object.</summary>
    /// <exception cref="InvalidDataException">A line is not a JSON object; the message names the file and line.</exception>
    public static IReadOnlyList<string> ReadLines(string path)
    {
        var lines = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidDataException($"{path}:{number} is not a JSON object.");
                }
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path}:{number} is not valid JSON: {ex.Message}", ex);
            }

            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Publishes every event of the file in order and returns the <c>time_us</c> each was given.</summary>
    public static IReadOnlyList<long> PublishFile(JetstreamEmulator emulator, string path) => emulator.PublishMany(ReadLines(path));
}
