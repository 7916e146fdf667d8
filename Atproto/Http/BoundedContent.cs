using System.Buffers;

namespace Jetstream.Atproto.Http;

/// <summary>Reads a response body into memory only up to a limit, so a hostile server cannot make us hold gigabytes.</summary>
internal static class BoundedContent
{
    // What a body without a declared length starts with; the buffer doubles from there up to the limit.
    private const int InitialBytes = 16 * 1024;

    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/> (declared or actual).</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            return null;
        }

        // One byte over the limit is how a body too long shows. The buffer grows with what comes: renting the limit
        // up front took a 16 MiB pooled array for every 1 KB JSON reply of an 8 MiB limit.
        var limit = maxBytes + 1;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, declared + 1 ?? InitialBytes));
        try
        {
            var total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit, 2L * buffer.Length));
                    buffer.AsSpan(0, total).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(total, Math.Min(buffer.Length, limit) - total), cancellationToken);
                if (read == 0)
                {
                    return buffer.AsSpan(0, total).ToArray();
                }

                total += read;
                if (total > maxBytes)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
