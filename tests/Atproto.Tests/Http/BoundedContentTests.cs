using System.Net.Http.Headers;
using Jetstream.Atproto.Http;

namespace Jetstream.Atproto.Tests.Http;

/// <summary>
/// A body read up to its limit with a buffer that grows with it: whole when within the limit (declared or not, across
/// many doublings), null when over it, whether the server declared the length, declared too little, or declared nothing.
/// </summary>
public sealed class BoundedContentTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024)]
    [InlineData(300_000)]
    [InlineData(1_000_000)]
    public async Task A_body_within_the_limit_is_read_whole_without_a_declared_length(int length)
    {
        var body = Body(length);

        var read = await BoundedContent.ReadAsync(Undeclared(body), 1_000_000, CancellationToken.None);

        Assert.Equal(body, read);
    }

    [Fact]
    public async Task A_body_one_byte_over_the_limit_is_refused_declared_or_not()
    {
        var body = Body(1_000_001);

        Assert.Null(await BoundedContent.ReadAsync(Undeclared(body), 1_000_000, CancellationToken.None));
        Assert.Null(await BoundedContent.ReadAsync(new ByteArrayContent(body), 1_000_000, CancellationToken.None));
    }

    [Fact]
    public async Task A_server_declaring_less_than_it_sends_is_still_held_to_the_limit()
    {
        var content = Undeclared(Body(5_000));
        content.Headers.ContentLength = 10;

        Assert.Null(await BoundedContent.ReadAsync(content, 1_000, CancellationToken.None));
        var within = Undeclared(Body(900));
        within.Headers.ContentLength = 10;
        Assert.Equal(900, (await BoundedContent.ReadAsync(within, 1_000, CancellationToken.None))!.Length);
    }

    private static byte[] Body(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7))];

    /// <summary>A body that arrives in small pieces and says nothing of its length.</summary>
    private static StreamContent Undeclared(byte[] body)
    {
        var content = new StreamContent(new TrickleStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private sealed class TrickleStream(byte[] body) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, 7_000), body.Length - _position);
            body.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
