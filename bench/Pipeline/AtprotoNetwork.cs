using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Jetstream.TestSupport;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// The AT Protocol emulator (tools/Atproto.Emulator) as a process: PLC, relay and <c>pdsHosts</c> PDS hosts over
/// generated, signed repositories, all built before the backfill starts (its <c>Prebuild</c>) so the row measures the
/// service and not the building. The builds are kept on disk under the temp folder in a folder named after the
/// settings the content follows from, so a second run with the same shape starts at once.
/// </summary>
internal sealed class AtprotoNetwork : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private AtprotoNetwork(ChildProcess process, Uri main)
    {
        Process = process;
        MainUri = main;
        _http.BaseAddress = main;
    }

    public ChildProcess Process { get; }

    /// <summary>The PLC directory and the relay (one listener).</summary>
    public Uri MainUri { get; }

    /// <summary>How long the build (or the load from the kept cache) took before the backfill could start.</summary>
    public TimeSpan Prebuild { get; private set; }

    public bool FromKeptCache { get; private set; }

    /// <summary>The Silo's settings that point its backfill at this network.</summary>
    public string[] SiloEnvironment =>
    [
        $"Atproto__RelayUrl={MainUri}",
        $"Atproto__PlcUrl={MainUri}",
        "Atproto__AllowPrivateNetworks=true",
    ];

    public static async Task<AtprotoNetwork> StartAsync(RepoLayout layout, int accounts, int matching, int other, int pdsHosts, string collection)
    {
        const int Seed = 1;
        var cache = Path.Combine(Path.GetTempPath(), "jetstream-bench", $"atproto-s{Seed}-a{accounts}-m{matching}-o{other}-{collection}");
        var kept = Directory.Exists(cache) && Directory.EnumerateFiles(cache, "*.meta").Take(accounts).Count() == accounts;
        Directory.CreateDirectory(cache);
        var port = FreePort.Next();
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        var process = ChildProcess.StartDotnet("atproto emulator", layout.AtprotoEmulatorDll,
        [
            $"--AtprotoEmulator:Port={I(port)}",
            $"--AtprotoEmulator:PdsHosts={I(pdsHosts)}",
            $"--AtprotoEmulator:Seed={I(Seed)}",
            $"--AtprotoEmulator:Accounts={I(accounts)}",
            $"--AtprotoEmulator:MatchingRecords={I(matching)}",
            $"--AtprotoEmulator:OtherRecords={I(other)}",
            $"--AtprotoEmulator:MatchingCollection={collection}",
            "--AtprotoEmulator:Prebuild=true",
            "--AtprotoEmulator:KeepCache=true",
            $"--AtprotoEmulator:CacheDirectory={cache}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        var network = new AtprotoNetwork(process, new Uri($"http://127.0.0.1:{port}/")) { FromKeptCache = kept };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = -1;
        await Ports.WaitUntilAsync(async () =>
        {
            try
            {
                var status = await network._http.GetFromJsonAsync<JsonElement>("/control/prebuild");
                var built = status.GetProperty("built").GetInt32();
                if (built / 1000 != last / 1000)
                {
                    BenchContext.Log($"backfill: {built:N0} of {accounts:N0} repositories built or loaded ({clock.Elapsed.TotalSeconds:F0} s)");
                    last = built;
                }

                return status.GetProperty("done").GetBoolean();
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromMinutes(30), "The AT Protocol emulator's prebuild", process);
        network.Prebuild = clock.Elapsed;
        return network;
    }

    /// <summary>getRepo requests so far (<c>GET /control/stats</c>), to show each repository was fetched once.</summary>
    public async Task<JsonElement> StatsAsync() => await _http.GetFromJsonAsync<JsonElement>("/control/stats");

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        _http.Dispose();
    }
}
