namespace Jetstream.Api;

/// <summary>The client cannot address a grain yet: it has not connected to a gateway, or no silo hosts the grain type.</summary>
public sealed class ClusterUnavailableException(string message, Exception innerException) : Exception(message, innerException)
{
    /// <summary>Resolves a grain reference, turning Orleans' "no implementation known" into this exception.</summary>
    public static TGrain Resolve<TGrain>(Func<TGrain> resolve)
    {
        try
        {
            return resolve();
        }
        catch (ArgumentException ex)
        {
            // Before the first gateway connection the client's manifest is empty, so every interface is "unknown".
            throw new ClusterUnavailableException(
                $"No silo of the cluster is reachable or none hosts {typeof(TGrain).Name}: {ex.Message}", ex);
        }
    }
}
