using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;

namespace Jetstream.AppHost.Console;

/// <summary>
/// Each resource's console, as the dashboard shows it, also written to <c>&lt;log dir&gt;/&lt;resource&gt;.log</c>: to read
/// or grep after the run, and for the banner to quote when a resource fails to start.
/// </summary>
internal sealed partial class ResourceLogFiles(ResourceLoggerService logs, IReadOnlyList<IResource> resources, string directory) : BackgroundService
{
    public string PathOf(string resourceName) => Path.Combine(directory, resourceName + ".log");

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(directory);
        return Task.WhenAll(resources.Select(resource => CopyAsync(resource, stoppingToken)));
    }

    private async Task CopyAsync(IResource resource, CancellationToken stoppingToken)
    {
        await using var file = new StreamWriter(PathOf(resource.Name), append: false);
        try
        {
            await foreach (var batch in logs.WatchAsync(resource).WithCancellation(stoppingToken))
            {
                foreach (var line in batch)
                {
                    await file.WriteLineAsync(ColourCode().Replace(line.Content, ""));
                }

                await file.FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // The hosts colour their console (Aspire asks them to, for the dashboard); a file gets the text alone.
    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex ColourCode();
}
