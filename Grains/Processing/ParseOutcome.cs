namespace Jetstream.Grains.Processing;

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
