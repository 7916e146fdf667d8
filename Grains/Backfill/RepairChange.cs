namespace Jetstream.Grains.Backfill;

/// <summary>
/// What a backfill sends for one record: <c>create</c> (never delivered), <c>update</c> (delivered with another CID)
/// or <c>delete</c> (delivered, now gone; <see cref="Cid"/> is then the version delivered and <see cref="Record"/> null).
/// </summary>
internal sealed record RepairChange(string Operation, string Collection, string Rkey, string Cid, RepositoryRecord? Record)
{
    public const string Create = "create";
    public const string Update = "update";
    public const string Delete = "delete";

    public bool IsDelete => Record is null;
}
