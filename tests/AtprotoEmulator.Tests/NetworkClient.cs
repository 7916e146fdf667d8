using Jetstream.Atproto.Car;
using Jetstream.Atproto.Identity;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Sync;

namespace Atproto.Emulator.Tests;

/// <summary>The library's clients pointed at an emulator, as the backfill will use them (private networks allowed: it is all loopback).</summary>
internal sealed class NetworkClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public NetworkClient(AtprotoEmulator emulator)
    {
        Emulator = emulator;
        Resolver = new DidResolver(_http, new DidResolverOptions { PlcUrl = emulator.PlcUri }, TimeProvider.System);
        Sync = new AtprotoSyncClient(_http, TimeProvider.System);
    }

    public AtprotoEmulator Emulator { get; }

    public DidResolver Resolver { get; }

    public AtprotoSyncClient Sync { get; }

    public HttpClient Http => _http;

    /// <summary>Resolves, fetches, reads and verifies a repository, as a backfill does.</summary>
    public async Task<RepoSnapshot> FetchVerifiedAsync(string did)
    {
        var document = await Resolver.ResolveAsync(did);
        await using var car = await Sync.GetRepoAsync(document.PdsEndpoint, did);
        var snapshot = await RepoSnapshot.ReadAsync(car, new CarReadOptions());
        try
        {
            snapshot.Verify(Jetstream.Atproto.Syntax.Did.Parse(did), document.SigningKey);
            return snapshot;
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();
}
