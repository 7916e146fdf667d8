namespace Jetstream.Grains.Interfaces.Hosting;

public enum ClusteringMode
{
    Localhost,
    AzureStorage,
}
