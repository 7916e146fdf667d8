namespace Jetstream.Grains.Events;

public enum EventKind : byte
{
    Unknown,
    Commit,
    Identity,
    Account,
}
