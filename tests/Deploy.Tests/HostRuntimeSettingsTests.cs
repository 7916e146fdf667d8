using System.Diagnostics;
using System.Text.Json;
using Jetstream.Deploy.Tests.Checks;
using Jetstream.TestSupport;

namespace Jetstream.Deploy.Tests;

/// <summary>
/// The start-up and runtime settings the hosts were measured fastest with (docs/cold-start.md), pinned
/// where each one lives, so a later change cannot drop one silently: ReadyToRun at publish, published hosts in every
/// way they are started (the Dockerfiles, run.sh and the AppHost through <c>dotnet run</c>), and the GC settings.
/// </summary>
public sealed class HostRuntimeSettingsTests
{
    public static TheoryData<string> Hosts => new(["Silo", "WebhookConsumer", "Api"]);

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Host_publishes_ReadyToRun(string host)
    {
        var properties = await EvaluateAsync(host, [], "PublishReadyToRun");

        Assert.Equal("true", properties["PublishReadyToRun"]);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public void Dockerfile_restores_and_publishes_for_a_runtime_so_ReadyToRun_applies(string host)
    {
        var dockerfile = RepoFiles.Dockerfile($"{host}/Dockerfile");
        var runs = dockerfile.Instructions.Where(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet ", StringComparison.Ordinal)).ToList();

        // Without a runtime identifier the SDK refuses ReadyToRun at publish (and a restore without one leaves the publish without its runtime pack).
        foreach (var verb in new[] { "restore", "publish" })
        {
            var run = Assert.Single(runs, r => r.Arguments.StartsWith("dotnet " + verb, StringComparison.Ordinal));
            Assert.Contains("--use-current-runtime", run.Arguments, StringComparison.Ordinal);
        }

        Assert.Equal(["dotnet", host + ".dll"], dockerfile.Entrypoint);
        Problems.AssertNone(DockerfileChecks.Check(dockerfile));
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task Dotnet_run_starts_the_published_host_when_JETSTREAM_HOSTS_DIR_names_it(string host)
    {
        var hosts = Path.Combine(Path.GetTempPath(), "published-hosts");

        var published = await EvaluateAsync(host, new() { ["JETSTREAM_HOSTS_DIR"] = hosts }, "RunCommand", "RunArguments");
        var built = await EvaluateAsync(host, new() { ["JETSTREAM_HOSTS_DIR"] = "" }, "RunArguments");

        Assert.Equal("dotnet", published["RunCommand"]);
        Assert.Equal($"exec \"{Path.Combine(hosts, host, host + ".dll")}\"", published["RunArguments"]);
        Assert.DoesNotContain("published-hosts", built["RunArguments"], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_sh_publishes_every_host_the_AppHost_starts_and_exports_where()
    {
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, "run.sh"));

        Assert.Contains("export JETSTREAM_HOSTS_DIR=\"$hosts_dir\"", script, StringComparison.Ordinal);
        Assert.Contains("for host in Silo WebhookConsumer Api; do", script, StringComparison.Ordinal);
        Assert.Contains("dotnet publish \"$host\" -c \"$configuration\" -o \"$hosts_dir/$host\"", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Silo")]
    [InlineData("WebhookConsumer")]
    public async Task Host_runs_without_tiered_PGO(string host)
    {
        var properties = await EvaluateAsync(host, [], "TieredPGO");

        Assert.Equal("false", properties["TieredPGO"]);
    }

    [Fact]
    public async Task Silo_keeps_workstation_non_concurrent_GC_its_gen0_and_gen1_caps_and_a_fixed_malloc_mmap_threshold()
    {
        var properties = await EvaluateAsync("Silo", [], "ServerGarbageCollection", "ConcurrentGarbageCollection");

        Assert.Equal("false", properties["ServerGarbageCollection"]);
        Assert.Equal("false", properties["ConcurrentGarbageCollection"]);
        var environment = RepoFiles.Dockerfile("Silo/Dockerfile").Environment;
        Assert.Equal("0x1000000", environment["DOTNET_GCGen1MaxBudget"]);
        Assert.Equal("0x1000000", environment["DOTNET_GCGen0MaxBudget"]);
        // glibc's malloc keeps its mmap threshold fixed: zlib states of compressed messages fragmented its arenas (2.4 GB).
        Assert.Equal("131072", environment["MALLOC_MMAP_THRESHOLD_"]);
    }

    /// <summary>
    /// What the runtime reads at start (the host's runtimeconfig.json, as built beside this test and published into the
    /// images and artifacts/hosts), each setting for its measured reason: no tiered PGO (docs/cold-start.md), the GC
    /// mode per host and the 1 MiB large-object threshold (issue 6, docs/performance.md), invariant globalization (no
    /// ICU to load at start).
    /// </summary>
    [Theory]
    [InlineData("Silo", "System.Runtime.TieredPGO", "false")]
    [InlineData("Silo", "System.GC.Server", "false")]
    [InlineData("Silo", "System.GC.Concurrent", "false")]
    [InlineData("Silo", "System.GC.LOHThreshold", "1048576")]
    [InlineData("Silo", "System.Globalization.Invariant", "true")]
    [InlineData("WebhookConsumer", "System.Runtime.TieredPGO", "false")]
    [InlineData("WebhookConsumer", "System.GC.Server", "true")]
    [InlineData("WebhookConsumer", "System.GC.LOHThreshold", "1048576")]
    [InlineData("WebhookConsumer", "System.Globalization.Invariant", "true")]
    [InlineData("Api", "System.Globalization.Invariant", "true")]
    public void Host_starts_with_its_runtime_setting(string host, string setting, string value)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, host + ".runtimeconfig.json")));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty(setting, out var actual), $"{host}.runtimeconfig.json has no {setting}:\n{properties}");
        Assert.Equal(value, actual.ToString().ToLowerInvariant());
    }

    /// <summary>The project's properties as MSBuild evaluates them (<c>dotnet msbuild -getProperty</c>), with <paramref name="environment"/> set.</summary>
    private static async Task<Dictionary<string, string>> EvaluateAsync(string host, Dictionary<string, string> environment, params string[] names)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add("msbuild");
        start.ArgumentList.Add(Path.Combine(host, host + ".csproj"));
        start.ArgumentList.Add("-nologo");
        start.ArgumentList.Add("-p:Configuration=Release");
        foreach (var name in names)
        {
            start.ArgumentList.Add("-getProperty:" + name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"dotnet msbuild {host}: {await output}{await error}");
        var text = (await output).Trim();
        if (names.Length == 1)
        {
            return new() { [names[0]] = text };
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }
}
