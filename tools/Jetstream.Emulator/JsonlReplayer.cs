using System.Text;
using System.Text.Json;

namespace Jetstream.Emulator;

/// <summary>
/// Replays a JSONL capture (one Jetstream event per line): as an <see cref="IEventSource"/> it hands out the lines in
/// order and starts over at the end; <see cref="PublishFile"/> publishes the file once. Publishing re-stamps
/// <c>time_us</c> with the emulator's clock and keeps every other byte, unless <c>newRevs</c> gives each pass after
/// the first new commit revisions.
/// </summary>
public sealed class JsonlReplayer : IEventSource
{
    private const string TidAlphabet = "234567abcdefghijklmnopqrstuvwxyz";
    private const int PassDigits = 4;
    private static readonly byte[] RevField = "\"rev\":\""u8.ToArray();

    private readonly byte[][] _lines;
    private readonly bool _newRevs;
    private int _next;
    private int _pass;

    /// <param name="newRevs">
    /// Each pass after the first writes its number into the last characters of every commit's <c>rev</c> (a TID of the
    /// same length), so the looped events are new commits: event ids hash the rev, and the same id again is a replay.
    /// </param>
    public JsonlReplayer(string path, bool newRevs = false)
    {
        _newRevs = newRevs;
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
        var pass = _pass;
        if (++_next == _lines.Length)
        {
            _next = 0;
            _pass++;
        }

        return _newRevs && pass > 0 ? WithPassInRev(line, pass) : line;
    }

    private static byte[] WithPassInRev(byte[] line, int pass)
    {
        var field = line.AsSpan().IndexOf(RevField);
        if (field < 0)
        {
            return line;
        }

        var start = field + RevField.Length;
        var end = line.AsSpan(start).IndexOf((byte)'"');
        if (end < PassDigits)
        {
            return line;
        }

        var copy = (byte[])line.Clone();
        var digits = copy.AsSpan(start + end - PassDigits, PassDigits);
        for (var i = PassDigits - 1; i >= 0; i--)
        {
            digits[i] = (byte)TidAlphabet[pass % TidAlphabet.Length];
            pass /= TidAlphabet.Length;
        }

        return copy;
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
