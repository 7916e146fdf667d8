using System.Text.Json;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Repo;

/// <summary>One record of a repository: where it lives, its CID, and its DAG-CBOR bytes exactly as the CAR held them.</summary>
public sealed record RepoRecord(Nsid Collection, RecordKey RecordKey, Cid Cid, ReadOnlyMemory<byte> Record)
{
    /// <summary>The record as atproto JSON (checked fully as it is converted; a bad record throws naming its CID).</summary>
    public void WriteJson(Utf8JsonWriter writer) => DagCborJson.WriteJson(Record, writer, what: $"record {Cid} ({Collection}/{RecordKey})");
}
