using System.Text.Json.Nodes;

namespace Jetstream.TestSupport;

/// <summary>One write of <see cref="AtprotoDevNet.WriteAsync"/>: an <c>applyWrites</c> create, update or delete.</summary>
public sealed record DevNetWrite(string Action, string Collection, string? Rkey, JsonObject? Record)
{
    /// <summary>A create; without <paramref name="rkey"/> the PDS picks a TID.</summary>
    public static DevNetWrite Create(string collection, JsonObject record, string? rkey = null) => new("create", collection, rkey, record);

    public static DevNetWrite Update(string collection, string rkey, JsonObject record) => new("update", collection, rkey, record);

    public static DevNetWrite Delete(string collection, string rkey) => new("delete", collection, rkey, null);
}
