using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Mst;

/// <summary>A key of the tree (<c>collection/rkey</c> as bytes), its value (a record's CID) and the subtree to its right.</summary>
internal sealed record MstEntry(byte[] Key, Cid Value, Cid? Right);
