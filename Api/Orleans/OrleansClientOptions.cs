using System.ComponentModel.DataAnnotations;

namespace Jetstream.Api.Orleans;

/// <summary>How the Api joins the cluster as a client. Section <c>Orleans</c>, shared with the Silo.</summary>
public sealed class OrleansClientOptions
{
    public const string SectionName = "Orleans";

    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;

    [Required(ErrorMessage = "Orleans:ClusterId is required.")]
    public string ClusterId { get; set; } = "jetstream";

    [Required(ErrorMessage = "Orleans:ServiceId is required.")]
    public string ServiceId { get; set; } = "jetstream";

    /// <summary>The silo's gateway port, used with <see cref="ClusteringMode.Localhost"/>.</summary>
    [Range(1, 65535, ErrorMessage = "Orleans:GatewayPort must be a TCP port (1-65535).")]
    public int GatewayPort { get; set; } = 30000;
}
