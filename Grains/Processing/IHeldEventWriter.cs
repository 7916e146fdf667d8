namespace Jetstream.Grains.Processing;

/// <summary>The sink's port for live commits held while their repository is backfilled (<see cref="LiveSeam"/>).</summary>
public interface IHeldEventWriter
{
    /// <summary>Stores <paramref name="held"/> (its blob first, when it has one) durably; throws if storage refuses.</summary>
    Task WriteAsync(PendingEvent held, string rev, CancellationToken cancellationToken);

    /// <summary>The sink started holding a commit of <paramref name="did"/>; <paramref name="write"/> ends once it is stored (after any retries).</summary>
    void Started(string did, Task write);
}
