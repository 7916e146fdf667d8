using System.Diagnostics;

namespace Jetstream.Deploy.Tests.Files;

/// <summary>Renders a Kustomize folder with the real <c>kubectl kustomize</c> (.ci/run makes sure kubectl is there).</summary>
public static class Kustomize
{
    public static async Task<string> RenderAsync(string directory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("kubectl is not installed: .ci/run installs it (Debian package kubectl or kubernetes-client).", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode == 0
                ? await output
                : throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {await error}");
        }
    }
}
