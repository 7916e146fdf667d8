namespace Jetstream.Grains.Backfill;

/// <summary>
/// A repair index that cannot be read (another version, cut short, out of order, a bad CID). The repository fails with
/// this reason and nothing of it is sent: repairing against a wrong index would send wrong deletes. Deleting the index's
/// row (<c>Backfill:DeliveredTable</c>) makes the next backfill of the repository a first one.
/// </summary>
/// <param name="where">The row or the blob that holds it.</param>
public sealed class DeliveredIndexException(string where, string problem)
    : Exception($"The repair index in {where} cannot be read: {problem}. Delete its row to backfill the repository from scratch.");
