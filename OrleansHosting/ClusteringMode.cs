namespace Jetstream.OrleansHosting;

public enum ClusteringMode
{
    Localhost,
    AzureStorage,
}
