using System.Diagnostics;
using System.Net;
using Jetstream.Deploy.Tests.Checks;
using Jetstream.Deploy.Tests.Files;
using Jetstream.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jetstream.Deploy.Tests;

public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new(RepoFiles.DockerfilePaths);

    [Fact]
    public void Every_host_and_offline_tool_has_a_Dockerfile()
    {
        var hosts = RepoFiles.DockerfilePaths.Select(p => DockerfileChecks.HostOf(RepoFiles.Dockerfile(p))?.AssemblyName).Order(StringComparer.Ordinal);

        Assert.Equal(["Api", "Jetstream.Emulator", "Silo", "WebhookConsumer", "WebhookReceiver"], hosts);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_restores_and_publishes_its_host_from_pinned_images_as_non_root_with_a_health_check(string path)
    {
        Problems.AssertNone(DockerfileChecks.Check(RepoFiles.Dockerfile(path)));
    }

    [Fact]
    public void All_Dockerfiles_pin_the_same_SDK_and_runtime_images()
    {
        var stages = RepoFiles.DockerfilePaths.Select(p => RepoFiles.Dockerfile(p).Stages.Select(s => s.Arguments.Split(' ')[0]).ToArray()).ToList();

        Assert.Single(stages.Select(s => s[0]).Distinct());
        Assert.Single(stages.Select(s => s[^1]).Distinct());
    }

    [Fact]
    public void Dockerignore_keeps_build_output_and_secrets_out_and_lets_every_copied_file_in()
    {
        var patterns = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
        Assert.Contains("**/secrets.env", patterns);

        var copied = RepoFiles.DockerfilePaths.SelectMany(p => RepoFiles.Dockerfile(p).Instructions)
            .Where(i => i.Keyword == "COPY" && !Dockerfile.Copy(i).Flags.Any(f => f.StartsWith("--from", StringComparison.Ordinal)))
            .SelectMany(i => Dockerfile.Copy(i).Sources)
            .Distinct();
        foreach (var source in copied)
        {
            Assert.DoesNotContain(patterns, pattern => DockerignoreExcludes(pattern, source));
        }
    }

    [Fact]
    public async Task Health_probe_script_passes_on_a_served_route_and_fails_on_a_missing_one_or_a_closed_port()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.MapGet("/health/ready", () => "ok");
        app.MapPost("/hook", () => Results.Ok());
        await app.StartAsync();

        Assert.Equal((0, string.Empty), await ProbeAsync(port, "/health/ready"));
        Assert.Equal(1, (await ProbeAsync(port, "/health/missing")).ExitCode);
        Assert.Equal((0, string.Empty), await ProbeAsync(port, "/hook", "405"));
        await app.StopAsync();
        Assert.Contains("Connection refused", (await ProbeAsync(port, "/health/ready")).Error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error)> ProbeAsync(int port, string path, string? status = null)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, DockerfileChecks.ProbeScript));
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(path);
        if (status is not null)
        {
            start.ArgumentList.Add(status);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await error);
    }

    /// <summary>The .dockerignore forms this repository uses: a folder (trailing /), a **/ prefix, a *.ext, a path.</summary>
    private static bool DockerignoreExcludes(string pattern, string path)
    {
        var anywhere = pattern.StartsWith("**/", StringComparison.Ordinal);
        var body = anywhere ? pattern[3..] : pattern;
        var candidates = anywhere ? path.Split('/').Select((_, i) => string.Join('/', path.Split('/').Skip(i))) : [path];
        return candidates.Any(candidate => body.EndsWith('/')
            ? (candidate + "/").StartsWith(body, StringComparison.Ordinal)
            : body.StartsWith("*.", StringComparison.Ordinal)
                ? !candidate.Contains('/', StringComparison.Ordinal) && candidate.EndsWith(body[1..], StringComparison.Ordinal)
                : candidate == body || candidate.StartsWith(body + "/", StringComparison.Ordinal));
    }
}
