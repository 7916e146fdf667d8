using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace Jetstream.AppHost;

/// <summary>
/// What the AppHost runs and on which ports, read from its configuration (environment variables named as run.sh has
/// always named them, or <c>--NAME=value</c>). A bad value stops the AppHost before anything starts, naming the setting.
/// </summary>
internal sealed record RunSettings(
    bool Offline, RunPorts Ports, int EmulatorEventsPerSecond, string AzuriteDirectory, string LogDirectory, TimeSpan StartTimeout)
{
    public const string OfflineSwitch = "--offline";

    /// <summary>The AppHost's own switch taken out of the arguments, so Aspire's configuration never sees it as a key.</summary>
    public static string[] AspireArguments(string[] args) => args.Where(a => a != OfflineSwitch).ToArray();

    public static RunSettings Read(IConfiguration configuration, string[] args, string repositoryRoot)
    {
        var errors = new List<string>();
        var ports = new RunPorts(
            Dashboard: DashboardPort(configuration, "ASPNETCORE_URLS", errors),
            DashboardOtlp: DashboardPort(configuration, "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", errors),
            Api: Port(configuration, "JETSTREAM_API_PORT", 8080, errors),
            Silo1: Port(configuration, "JETSTREAM_SILO_PORT", 8081, errors),
            Consumer: Port(configuration, "JETSTREAM_CONSUMER_PORT", 8082, errors),
            Silo2: Port(configuration, "JETSTREAM_SILO2_PORT", 8083, errors),
            Emulator: Port(configuration, "JETSTREAM_EMULATOR_PORT", 6008, errors),
            Receiver: Port(configuration, "JETSTREAM_RECEIVER_PORT", 9090, errors),
            Blob: Port(configuration, "JETSTREAM_AZURITE_BLOB_PORT", 10000, errors),
            Queue: Port(configuration, "JETSTREAM_AZURITE_QUEUE_PORT", 10001, errors),
            Table: Port(configuration, "JETSTREAM_AZURITE_TABLE_PORT", 10002, errors),
            Silo1Orleans: Port(configuration, "JETSTREAM_SILO_ORLEANS_PORT", 11111, errors),
            Silo1Gateway: Port(configuration, "JETSTREAM_SILO_GATEWAY_PORT", 30000, errors),
            Silo2Orleans: Port(configuration, "JETSTREAM_SILO2_ORLEANS_PORT", 11112, errors),
            Silo2Gateway: Port(configuration, "JETSTREAM_SILO2_GATEWAY_PORT", 30001, errors));

        var rate = configuration["JETSTREAM_EMULATOR_RATE"] ?? "20";
        if (!int.TryParse(rate, NumberStyles.None, CultureInfo.InvariantCulture, out var eventsPerSecond))
        {
            errors.Add($"JETSTREAM_EMULATOR_RATE ('{rate}') must be a whole number of events per second (0: only what POST /control/publish sends).");
        }

        var timeout = configuration["JETSTREAM_START_TIMEOUT"] ?? "180";
        if (!int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var startSeconds) || startSeconds < 1)
        {
            errors.Add($"JETSTREAM_START_TIMEOUT ('{timeout}') must be a whole number of seconds, at least 1.");
        }

        var offline = args.Contains(OfflineSwitch);
        var usesAzurite = string.IsNullOrWhiteSpace(configuration.GetConnectionString(StorageResources.ConnectionName));
        if (usesAzurite && !File.Exists(Path.Combine(repositoryRoot, StorageResources.AzuriteScript)))
        {
            errors.Add($"Azurite is not installed ({StorageResources.AzuriteScript} is missing): run `npm ci` in {repositoryRoot} (./run.sh does), or set ConnectionStrings__AzureStorage to a storage account.");
        }

        if (!offline && string.IsNullOrWhiteSpace(configuration["Webhook:Url"]))
        {
            errors.Add("Webhook__Url is not set: the consumer needs the URL every event is POSTed to. Set it (Webhook__Url=https://your.host/hook), or run with --offline: the Jetstream emulator feeds a local receiver that prints each delivery.");
        }

        if (errors.Count == 0)
        {
            errors.AddRange(PortsInUse(ports.Named(offline, usesAzurite)));
        }

        if (errors.Count > 0)
        {
            throw new RunSettingsException(errors);
        }

        return new RunSettings(
            offline, ports, eventsPerSecond,
            Folder(configuration, "JETSTREAM_AZURITE_DIR", Path.Combine(repositoryRoot, ".azurite")),
            Folder(configuration, "JETSTREAM_LOG_DIR", Path.Combine(repositoryRoot, ".run", "logs")),
            TimeSpan.FromSeconds(startSeconds));
    }

    private static string Folder(IConfiguration configuration, string name, string fallback) =>
        configuration[name] is { Length: > 0 } folder ? Path.GetFullPath(folder) : fallback;

    private static int Port(IConfiguration configuration, string name, int fallback, List<string> errors)
    {
        var text = configuration[name];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535)
        {
            return port;
        }

        errors.Add($"{name} ('{text}') is not a TCP port (1-65535).");
        return fallback;
    }

    // The dashboard's own addresses are Aspire settings (a URL each); run.sh and the launch profiles set them.
    private static int DashboardPort(IConfiguration configuration, string name, List<string> errors)
    {
        var text = configuration[name];
        if (Uri.TryCreate(text?.Split(';')[0], UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return url.Port;
        }

        errors.Add($"{name} ('{text}') must be the dashboard's http URL, e.g. http://127.0.0.1:18888 (run.sh sets it).");
        return 0;
    }

    // Every port here is fixed (not proxied), so a taken one would fail one resource minutes into the run: say so now.
    private static IEnumerable<string> PortsInUse(IEnumerable<(string Name, int Port)> ports)
    {
        foreach (var (name, port) in ports)
        {
            if (!IsFree(port))
            {
                yield return $"port {port} is in use (is another run going?); choose another with {name}=<port>.";
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
