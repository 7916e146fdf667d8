using Jetstream.TestSupport;

namespace Jetstream.Emulator.Tests;

/// <summary>
/// The free ports every test and benchmark hands to the emulators and hosts it starts: two runs started in the same
/// second must not be given the same one (last session, two benchmarks collided on a port).
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void A_port_reserved_by_one_caller_is_refused_to_the_next()
    {
        var port = FreePort.Next();

        Assert.False(FreePort.TryReserve(port));
    }

    [Fact]
    public async Task Callers_at_the_same_moment_are_given_different_ports()
    {
        var ports = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(FreePort.Next)));

        Assert.Equal(ports.Length, ports.Distinct().Count());
    }
}
