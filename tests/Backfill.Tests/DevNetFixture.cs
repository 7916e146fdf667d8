using Jetstream.TestSupport;

namespace Jetstream.Backfill.Tests;

/// <summary>One devnet (PDS + PLC + relay + Jetstream feed) for every test of the <see cref="DevNetCollection"/>.</summary>
public sealed class DevNetFixture : IAsyncLifetime
{
    private AtprotoDevNet? _devNet;

    public AtprotoDevNet DevNet => _devNet ?? throw new InvalidOperationException("The devnet has not started.");

    public async Task InitializeAsync() => _devNet = await AtprotoDevNet.StartAsync();

    public async Task DisposeAsync()
    {
        if (_devNet is not null)
        {
            await _devNet.DisposeAsync();
        }
    }
}
