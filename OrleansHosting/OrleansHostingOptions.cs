using System.ComponentModel.DataAnnotations;

namespace Jetstream.OrleansHosting;

/// <summary>
/// How a silo or a client finds the cluster (section <c>Orleans</c>). Shared by the Silo and the Api so both read the
/// same settings: <c>Orleans__Clustering</c>, <c>Orleans__ClusterId</c>, <c>Orleans__ServiceId</c>,
/// <c>Orleans__SiloPort</c>, <c>Orleans__GatewayPort</c>.
/// </summary>
public sealed class OrleansHostingOptions
{
    public const string SectionName = "Orleans";

    /// <summary><c>Localhost</c>: one development silo on this machine. <c>AzureStorage</c>: Azure Table membership (a real cluster).</summary>
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "Orleans:ClusterId must be 1-64 letters, digits, '-' or '_'.")]
    public string ClusterId { get; set; } = "jetstream-dev";

    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$", ErrorMessage = "Orleans:ServiceId must be 1-64 letters, digits, '-' or '_'.")]
    public string ServiceId { get; set; } = "jetstream-orleans";

    [Range(1, 65535, ErrorMessage = "Orleans:SiloPort must be a TCP port (1-65535).")]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535, ErrorMessage = "Orleans:GatewayPort must be a TCP port (1-65535).")]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address other silos and clients use to reach this silo (Azure clustering); default: the first non-loopback IPv4 address.</summary>
    public string? AdvertisedIPAddress { get; set; }
}
