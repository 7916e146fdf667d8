using System.Text;
using System.Text.Json;

namespace Jetstream.Grains.Events;

/// <summary>Where a JSON string value sits in a frame, so strings are only materialised for events that need them.</summary>
public readonly record struct Utf8Slice(int Start, int Length, bool IsEscaped)
{
    public bool IsPresent => Start > 0;

    public ReadOnlySpan<byte> RawSpan(ReadOnlySpan<byte> frame) => frame.Slice(Start, Length);

    public string ToString(ReadOnlySpan<byte> frame)
    {
        if (!IsEscaped)
        {
            return Encoding.UTF8.GetString(frame.Slice(Start, Length));
        }

        // Re-read the quoted token to let the JSON reader unescape it.
        var reader = new Utf8JsonReader(frame.Slice(Start - 1, Length + 2));
        reader.Read();
        return reader.GetString()!;
    }
}
