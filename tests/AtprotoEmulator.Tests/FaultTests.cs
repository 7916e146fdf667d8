using System.Diagnostics;
using System.Net;
using Jetstream.Atproto;
using Jetstream.Atproto.Network;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Sync;

namespace Atproto.Emulator.Tests;

public sealed class FaultTests
{
    private static async Task<(AtprotoEmulator Emulator, NetworkClient Client, string Did)> StartAsync(params FaultRule[] faults)
    {
        var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions { Accounts = 4, MatchingRecords = 30, OtherRecords = 30, PdsHosts = 2 });
        var did = emulator.Network.Accounts.DidAt(1);
        foreach (var fault in faults)
        {
            emulator.Network.Faults.Add(fault.Did is null && fault.Host is null ? fault with { Did = did } : fault);
        }
        return (emulator, new NetworkClient(emulator), did);
    }

    [Theory]
    [InlineData(FaultKind.Takendown, XrpcException.RepoTakendown)]
    [InlineData(FaultKind.Deactivated, XrpcException.RepoDeactivated)]
    [InlineData(FaultKind.Suspended, XrpcException.RepoSuspended)]
    [InlineData(FaultKind.NotFound, XrpcException.RepoNotFound)]
    public async Task An_unavailable_repository_is_the_xrpc_error_the_library_names(FaultKind kind, string error)
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = kind });
        await using var _ = emulator;
        using var __ = client;
        var e = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(did));
        Assert.Equal(error, e.Error);
        Assert.True(e.IsRepoUnavailable);
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        using var other = await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(0));
    }

    [Fact]
    public async Task A_rate_limit_says_how_long_to_wait_with_Retry_After_or_RateLimit_Reset()
    {
        var (emulator, client, did) = await StartAsync(
            new FaultRule { Kind = FaultKind.RateLimited, Times = 1, RetryAfterSeconds = 7 },
            new FaultRule { Kind = FaultKind.RateLimited, Times = 1, RetryAfterSeconds = 30, UseRateLimitReset = true });
        await using var _ = emulator;
        using var __ = client;
        var first = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(did));
        Assert.True(first.IsRateLimited);
        Assert.Equal("RateLimitExceeded", first.Error);
        Assert.Equal(TimeSpan.FromSeconds(7), first.RetryAfter);
        var second = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(did));
        Assert.InRange(second.RetryAfter!.Value, TimeSpan.FromSeconds(28), TimeSpan.FromSeconds(31));
        using var third = await client.FetchVerifiedAsync(did);
        Assert.Equal(3, emulator.Network.Counters.GetRepoRequests(did));
    }

    [Fact]
    public async Task A_host_that_fails_N_times_fails_only_its_own_accounts_and_then_serves()
    {
        var (emulator, client, _) = await StartAsync(new FaultRule { Kind = FaultKind.ServerError, Host = 1, Times = 2 });
        await using var _e = emulator;
        using var _c = client;
        var onHost1 = emulator.Network.Accounts.DidAt(1);
        using (await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(0)))
        {
        }
        for (var i = 0; i < 2; i++)
        {
            var e = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(onHost1));
            Assert.Equal(HttpStatusCode.InternalServerError, e.StatusCode);
            Assert.False(e.IsRepoUnavailable);
        }
        using var served = await client.FetchVerifiedAsync(onHost1);
        Assert.Equal(3, emulator.Network.Counters.HostRequests(1));
        Assert.Equal(1, emulator.Network.Counters.HostRequests(0));
    }

    [Fact]
    public async Task A_car_cut_off_in_a_block_is_a_truncated_repository()
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = FaultKind.TruncatedCar });
        await using var _ = emulator;
        using var __ = client;
        var e = await Assert.ThrowsAsync<AtprotoException>(() => client.FetchVerifiedAsync(did));
        Assert.Contains("truncated", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_tampered_record_block_does_not_hash_to_its_CID()
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = FaultKind.TamperedRecord });
        await using var _ = emulator;
        using var __ = client;
        // The commit verifies; the changed record is found when the walk reads it back.
        using var snapshot = await client.FetchVerifiedAsync(did);
        var e = await Assert.ThrowsAsync<AtprotoException>(async () =>
        {
            await foreach (var record in snapshot.ReadRecordsAsync(CollectionFilter.All))
            {
            }
        });
        Assert.IsNotType<RepoVerificationException>(e);
        Assert.Contains("does not hash to its CID", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FaultKind.ForeignSignature, "signature")]
    [InlineData(FaultKind.ForeignDid, "not did:")]
    public async Task A_commit_signed_by_another_key_or_for_another_DID_fails_verification(FaultKind kind, string reason)
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = kind });
        await using var _ = emulator;
        using var __ = client;
        var e = await Assert.ThrowsAsync<RepoVerificationException>(() => client.FetchVerifiedAsync(did));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_host_sends_at_its_rate()
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = FaultKind.SlowHost, Host = 1, BytesPerSecond = 20_000 });
        await using var _ = emulator;
        using var __ = client;
        var clock = Stopwatch.StartNew();
        using var repo = await client.FetchVerifiedAsync(did);
        // The CAR is well over 10 kB: at 20 kB/s it cannot arrive in under half a second.
        Assert.True(repo.CarBytes > 10_000, $"{repo.CarBytes} bytes");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(repo.CarBytes / 20_000.0 * 0.8), $"{clock.Elapsed} for {repo.CarBytes} bytes");
    }

    [Fact]
    public async Task A_DID_document_naming_a_private_address_is_refused_by_the_guard()
    {
        var (emulator, client, did) = await StartAsync(new FaultRule { Kind = FaultKind.PrivatePdsEndpoint, Endpoint = "http://10.255.255.1" });
        await using var _ = emulator;
        using var __ = client;
        var document = await client.Resolver.ResolveAsync(did);
        Assert.Equal("10.255.255.1", document.PdsEndpoint.Host);
        var guard = new PrivateNetworkGuard(allowPrivateNetworks: false, settingName: "Atproto:AllowPrivateNetworks");
        using var guarded = new HttpClient(guard.Apply(new SocketsHttpHandler { AllowAutoRedirect = false }));
        var sync = new AtprotoSyncClient(guarded, TimeProvider.System);
        await Assert.ThrowsAsync<PrivateNetworkRefusedException>(() => sync.GetRepoAsync(document.PdsEndpoint, did));
    }

    [Fact]
    public async Task Faults_can_be_set_at_start_and_through_the_control_API()
    {
        await using var emulator = await AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions
        {
            Accounts = 3,
            Faults = [new FaultRule { Kind = FaultKind.Deactivated, Did = null, Host = 0 }],
        });
        using var client = new NetworkClient(emulator);
        var e = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(0)));
        Assert.Equal(XrpcException.RepoDeactivated, e.Error);

        var control = new Uri(emulator.PlcUri, "/control/faults");
        var did = emulator.Network.Accounts.DidAt(2);
        (await client.Http.DeleteAsync(control)).EnsureSuccessStatusCode();
        using (var body = new StringContent($$"""{"kind":"Takendown","did":"{{did}}"}""", System.Text.Encoding.UTF8, "application/json"))
        {
            (await client.Http.PostAsync(control, body)).EnsureSuccessStatusCode();
        }
        using (var bad = new StringContent("""{"kind":"Takendown","times":0}""", System.Text.Encoding.UTF8, "application/json"))
        {
            var refused = await client.Http.PostAsync(control, bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Times", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (await client.FetchVerifiedAsync(emulator.Network.Accounts.DidAt(0)))
        {
        }
        var takendown = await Assert.ThrowsAsync<XrpcException>(() => client.FetchVerifiedAsync(did));
        Assert.Equal(XrpcException.RepoTakendown, takendown.Error);
    }

    [Fact]
    public async Task A_bad_fault_at_start_stops_the_emulator_naming_the_setting()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => AtprotoEmulator.StartAsync(new AtprotoEmulatorOptions
        {
            Faults = [new FaultRule { Kind = FaultKind.SlowHost, BytesPerSecond = 0 }],
        }));
        Assert.Contains("AtprotoEmulator:Faults:0", e.Message, StringComparison.Ordinal);
    }
}
