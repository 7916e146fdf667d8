using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jetstream.TestSupport;

namespace Jetstream.AppHost.Tests;

/// <summary>The AppHost's own settings, as a user gets them wrong: it stops before starting anything and names each one.</summary>
public sealed class AppHostSettingsTests
{
    [Fact]
    public async Task Bad_settings_stop_the_apphost_at_once_naming_each_setting()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, errors) = await RunAppHostAsync(new Dictionary<string, string>
        {
            ["JETSTREAM_API_PORT"] = "eighty",
            ["JETSTREAM_EMULATOR_RATE"] = "-1",
        });

        Assert.Equal(2, exitCode);
        Assert.Contains("JETSTREAM_API_PORT ('eighty') is not a TCP port", errors, StringComparison.Ordinal);
        Assert.Contains("JETSTREAM_EMULATOR_RATE ('-1')", errors, StringComparison.Ordinal);
        Assert.Contains("Webhook__Url is not set", errors, StringComparison.Ordinal);

        (exitCode, errors) = await RunAppHostAsync(new Dictionary<string, string> { ["JETSTREAM_CONSUMER_PORT"] = takenPort.ToString(CultureInfo.InvariantCulture) }, "--offline");

        Assert.Equal(2, exitCode);
        Assert.Contains($"port {takenPort} is in use", errors, StringComparison.Ordinal);
        Assert.Contains("JETSTREAM_CONSUMER_PORT=<port>", errors, StringComparison.Ordinal);
    }

    /// <summary>The built AppHost as run.sh starts it, with every other port free; its exit code and standard error.</summary>
    private static async Task<(int ExitCode, string Errors)> RunAppHostAsync(IReadOnlyDictionary<string, string> settings, params string[] args)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "AppHost", "bin", configuration, "net10.0", "AppHost.dll"));
        psi.ArgumentList.Add("--contentRoot");
        psi.ArgumentList.Add(Path.Combine(RepoPaths.Root, "AppHost"));
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var key in psi.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k.StartsWith("JETSTREAM_", StringComparison.Ordinal)).ToArray())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort.Next()}";
        psi.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        foreach (var name in new[] { "API", "SILO", "SILO2", "CONSUMER", "EMULATOR", "RECEIVER", "AZURITE_BLOB", "AZURITE_QUEUE", "AZURITE_TABLE", "SILO_ORLEANS", "SILO_GATEWAY", "SILO2_ORLEANS", "SILO2_GATEWAY" })
        {
            psi.Environment[$"JETSTREAM_{name}_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in settings)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await errors);
    }
}
