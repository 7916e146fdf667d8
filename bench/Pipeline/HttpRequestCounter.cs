using System.Text;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Counts HTTP/1.1 requests in one connection's client-to-server bytes: a request is a header block ending in a blank
/// line, followed by <c>Content-Length</c> bytes of body (or a chunked body up to its last chunk). Azure Storage bills
/// per request, and Azurite keeps no count of them, so the benchmark counts them on the wire.
/// </summary>
internal sealed class HttpRequestCounter
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LastChunk = "\r\n0\r\n\r\n"u8.ToArray();

    private readonly List<byte> _header = [];
    private long _bodyLeft;
    private bool _chunked;
    private int _lastChunkMatched;

    public long Requests { get; private set; }

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            if (_bodyLeft > 0)
            {
                var skip = (int)Math.Min(_bodyLeft, bytes.Length);
                _bodyLeft -= skip;
                bytes = bytes[skip..];
            }
            else if (_chunked)
            {
                // Chunk sizes are not parsed: the body ends at CRLF "0" CRLF CRLF, which a storage request's XML or
                // JSON chunk data does not contain.
                var b = bytes[0];
                bytes = bytes[1..];
                _lastChunkMatched = b == LastChunk[_lastChunkMatched] ? _lastChunkMatched + 1 : b == LastChunk[0] ? 1 : 0;
                if (_lastChunkMatched == LastChunk.Length)
                {
                    _chunked = false;
                    _lastChunkMatched = 0;
                }
            }
            else
            {
                var b = bytes[0];
                bytes = bytes[1..];
                _header.Add(b);
                if (_header.Count >= 4 && _header[^1] == HeaderEnd[3] && _header[^2] == HeaderEnd[2] && _header[^3] == HeaderEnd[1] && _header[^4] == HeaderEnd[0])
                {
                    CompleteHeader();
                }
            }
        }
    }

    private void CompleteHeader()
    {
        var text = Encoding.ASCII.GetString([.. _header]);
        _header.Clear();
        if (text.Trim().Length == 0)
        {
            return;
        }

        Requests++;
        foreach (var line in text.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var length))
            {
                _bodyLeft = length;
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                _chunked = true;
                // The first chunk follows the header directly, without the CRLF the pattern starts with.
                _lastChunkMatched = 2;
            }
        }
    }
}
