namespace Jetstream.TestSupport;

/// <summary>A written record's <c>at://</c> URI and CID; both null for a delete.</summary>
public sealed record DevNetRecordRef(string? Uri, string? Cid)
{
    public string? Rkey => Uri?[(Uri.LastIndexOf('/') + 1)..];
}
