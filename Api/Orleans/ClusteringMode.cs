namespace Jetstream.Api.Orleans;

/// <summary>How the Api's Orleans client finds the silos (<c>Orleans:Clustering</c>).</summary>
public enum ClusteringMode
{
    /// <summary>One silo on this machine, reached at <c>Orleans:GatewayPort</c>.</summary>
    Localhost,

    /// <summary>The silos' Azure Table membership in <c>ConnectionStrings:AzureStorage</c>.</summary>
    AzureStorage,
}
