using System.Globalization;
using Jetstream.Grains.Interfaces;

namespace Jetstream.Api.Dashboard;

/// <summary>How the dashboard writes values: invariant culture and UTC, so every viewer reads the same text.</summary>
public static class DisplayFormat
{
    public const string NotAvailable = "N/A";

    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss 'UTC'";

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Count(long? value) => value is { } v ? Count(v) : NotAvailable;

    public static string Time(DateTimeOffset? value) =>
        value is { } v ? v.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture) : NotAvailable;

    /// <summary>Commits as a share of everything received, as the original's "Processing Efficiency".</summary>
    public static string Efficiency(long totalEvents, long totalReceived) =>
        totalReceived > 0
            ? (100.0 * totalEvents / totalReceived).ToString("0.0", CultureInfo.InvariantCulture) + "%"
            : "0%";

    public static string Rate(double perSecond) => perSecond.ToString("0.00", CultureInfo.InvariantCulture) + "/s";

    public static string Duration(double? seconds) => seconds switch
    {
        null => NotAvailable,
        < 120 => seconds.Value.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        < 2 * 3600 => (seconds.Value / 60).ToString("0", CultureInfo.InvariantCulture) + " min",
        < 48 * 3600 => (seconds.Value / 3600).ToString("0.0", CultureInfo.InvariantCulture) + " h",
        _ => (seconds.Value / 86400).ToString("0.0", CultureInfo.InvariantCulture) + " d",
    };

    public static string State(ConnectionState state) => state switch
    {
        ConnectionState.Stopped => "Stopped",
        ConnectionState.Connecting => "Connecting",
        ConnectionState.Connected => "Connected",
        ConnectionState.Backoff => "Waiting to reconnect",
        ConnectionState.PausedQueueUnavailable => "Paused: queue unavailable",
        ConnectionState.ConfigurationError => "Configuration error",
        ConnectionState.Paused => "Paused",
        _ => state.ToString(),
    };

    /// <summary>A webhook circuit state as the consumers report it (<see cref="Stats.WebhookCircuitResponse.State"/>).</summary>
    public static string Circuit(string state) => state switch
    {
        "closed" => "Delivering",
        "open" => "Circuit open: sending stopped",
        "halfOpen" => "Probing",
        _ => "Unknown",
    };
}
