using System.Text;

namespace Jetstream.Emulator;

internal static class CloseReason
{
    /// <summary>A close frame's reason may hold 123 bytes of UTF-8 (RFC 6455 §5.5.1); cut on a character boundary.</summary>
    public static string Truncate(string reason)
    {
        const int maxBytes = 123;
        if (Encoding.UTF8.GetByteCount(reason) <= maxBytes)
        {
            return reason;
        }

        var end = reason.Length;
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > maxBytes)
        {
            end--;
        }

        if (end > 0 && char.IsHighSurrogate(reason[end - 1]))
        {
            end--;
        }

        return reason[..end];
    }
}
