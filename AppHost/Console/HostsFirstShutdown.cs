using Microsoft.Extensions.Hosting;

namespace Jetstream.AppHost.Console;

/// <summary>
/// On stop, stops the hosts (silos, Api, consumer) and waits for them to end before Aspire stops the rest. Aspire stops
/// every resource at once, and Azurite, which exits at once, would go first: the silos could then neither leave the
/// membership table nor write their last checkpoint. Registered after Aspire's own services, so the host stops it first.
/// </summary>
internal sealed class HostsFirstShutdown(ResourceCommandService commands, ResourceNotificationService notifications, IReadOnlyList<IResource> hosts)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.WhenAll(hosts.Select(host => StopAsync(host, cancellationToken)));

    private async Task StopAsync(IResource host, CancellationToken cancellationToken)
    {
        try
        {
            await commands.ExecuteCommandAsync(host, KnownResourceCommands.StopCommand, cancellationToken);
            await notifications.WaitForResourceAsync(host.Name, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The AppHost's own shutdown timeout: Aspire stops what is left.
        }
    }
}
