namespace Jetstream.Grains.Backfill;

/// <summary>
/// A repair index blob that cannot be read (another version, cut short, out of order, a bad CID). The repository
/// fails with this reason and nothing of it is sent: repairing against a wrong index would send wrong deletes.
/// Deleting the blob makes the next backfill of the repository a first one.
/// </summary>
public sealed class DeliveredIndexException(string blobName, string problem)
    : Exception($"The repair index blob '{blobName}' cannot be read: {problem}. Delete it to backfill the repository from scratch.");
