namespace Jetstream.Grains.Processing;

public enum EventKind : byte
{
    Unknown,
    Commit,
    Identity,
    Account,
}
