using Microsoft.AspNetCore.Http;

namespace Atproto.Emulator;

/// <summary>
/// Sends a repository image as <c>application/vnd.ipld.car</c>: whole, cut off inside the first record's block
/// (<see cref="FaultKind.TruncatedCar"/>), or paced to <see cref="FaultRule.BytesPerSecond"/> (<see cref="FaultKind.SlowHost"/>).
/// </summary>
internal static class CarResponse
{
    private const int ChunkBytes = 64 * 1024;
    private static readonly TimeSpan SlowTick = TimeSpan.FromMilliseconds(100);

    public static async Task WriteAsync(HttpContext context, RepoImage image, FaultSet faults, TimeProvider time, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "application/vnd.ipld.car";
        var limit = image.Length;
        if (faults.Has(FaultKind.TruncatedCar))
        {
            // 20 bytes into a section is inside its CID: the reader meets the end in the middle of a block.
            limit = image.FirstRecordOffset >= 0 ? image.Head.Length + image.FirstRecordOffset + 20 : image.Head.Length - 8;
        }
        else
        {
            response.ContentLength = image.Length;
        }
        var slow = faults.Get(FaultKind.SlowHost);
        var chunk = slow is null ? ChunkBytes : Math.Max(1, slow.BytesPerSecond / 10);
        var buffer = new byte[Math.Min(chunk, ChunkBytes)];
        await using var body = image.OpenBody();
        long sent = 0;
        while (sent < limit)
        {
            var want = (int)Math.Min(buffer.Length, limit - sent);
            int got;
            if (sent < image.Head.Length)
            {
                got = (int)Math.Min(want, image.Head.Length - sent);
                image.Head.AsSpan((int)sent, got).CopyTo(buffer);
            }
            else
            {
                got = await body.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
                if (got == 0)
                {
                    break;
                }
            }
            await response.Body.WriteAsync(buffer.AsMemory(0, got), cancellationToken);
            sent += got;
            if (slow is not null)
            {
                await response.Body.FlushAsync(cancellationToken);
                await Task.Delay(SlowTick * ((double)got / chunk), time, cancellationToken);
            }
        }
    }
}
