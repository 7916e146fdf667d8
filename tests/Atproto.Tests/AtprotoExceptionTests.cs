namespace Jetstream.Atproto.Tests;

public sealed class AtprotoExceptionTests
{
    [Fact]
    public void Message_is_kept() => Assert.Equal("bad CAR", new AtprotoException("bad CAR").Message);
}
