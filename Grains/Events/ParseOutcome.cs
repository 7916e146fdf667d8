namespace Jetstream.Grains.Events;

public enum ParseOutcome : byte
{
    Ok,
    InvalidJson,
    NotAnObject,
    MissingDid,
    MissingTimeUs,
    MissingKind,
    UnknownKind,
    CommitMissingObject,
    CommitMissingCollection,
    CommitMissingFields,
}
