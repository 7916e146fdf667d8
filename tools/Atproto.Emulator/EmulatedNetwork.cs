using System.Buffers;
using System.Text;
using System.Text.Json;
using Jetstream.Atproto;
using Jetstream.Atproto.Cids;
using Jetstream.Atproto.DagCbor;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// The emulated network as one object: its accounts, records, faults, counters and listeners, and the changes made
/// to it while it runs (<see cref="Change"/>).
/// </summary>
public sealed class EmulatedNetwork(
    AtprotoEmulatorOptions options,
    AccountDirectory accounts,
    RecordGenerator generator,
    FaultBook faults,
    RequestCounters counters,
    EmulatorListeners listeners,
    TimeProvider time)
{
    public AtprotoEmulatorOptions Options => options;

    public AccountDirectory Accounts => accounts;

    public RecordGenerator Generator => generator;

    public FaultBook Faults => faults;

    public RequestCounters Counters => counters;

    public EmulatorListeners Listeners => listeners;

    internal TimeProvider Time => time;

    /// <summary>The PDS URL an account's DID document names (without faults).</summary>
    public Uri PdsUriOf(EmulatedAccount account) => listeners.PdsUri(account.Host);

    /// <summary>Whether the relay lists the account for a collection: it holds (or once held) records of it.</summary>
    public bool Holds(EmulatedAccount account, string collection) =>
        generator.CountIn(collection) > 0 || account.HasCreatedIn(collection);

    /// <summary>
    /// Makes one change as a new signed commit (the next build serves it) with a new revision, a TID later than
    /// every earlier one, and returns the Jetstream event for it.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such account, or (update, delete) no such record.</exception>
    /// <exception cref="ArgumentException">A malformed operation, collection, record key or record; the message says which.</exception>
    public RecordChangeResult Change(string did, RecordChange change)
    {
        if (!accounts.TryGet(did, out var account))
        {
            throw new KeyNotFoundException($"no account {did}");
        }
        if (change.Operation is not ("create" or "update" or "delete"))
        {
            throw new ArgumentException($"operation '{change.Operation}' must be create, update or delete");
        }
        if (!Nsid.TryParse(change.Collection, out _))
        {
            throw new ArgumentException($"collection '{change.Collection}' is not an NSID");
        }
        var rkey = change.Rkey ?? (change.Operation == "create" ? Tid.Next(time).Value : throw new ArgumentException($"{change.Operation} needs an rkey"));
        if (!RecordKey.TryParse(rkey, out _))
        {
            throw new ArgumentException($"rkey '{rkey}' is not a record key");
        }
        byte[]? record = null;
        if (change.Operation != "delete")
        {
            if (change.Record is not { ValueKind: JsonValueKind.Object } json)
            {
                throw new ArgumentException($"{change.Operation} needs a record (a JSON object)");
            }
            try
            {
                record = DagCborJson.FromJson(json);
            }
            catch (AtprotoException e)
            {
                throw new ArgumentException($"record: {e.Message}", e);
            }
        }
        var path = $"{change.Collection}/{rkey}";
        Tid rev;
        lock (account.Gate)
        {
            var exists = account.Changes.TryGetValue(path, out var changed) ? changed is not null : generator.IsGenerated(change.Collection, rkey);
            if (change.Operation == "create" && exists)
            {
                throw new ArgumentException($"{path} already exists in {did}");
            }
            if (change.Operation != "create" && !exists)
            {
                throw new KeyNotFoundException($"{path} does not exist in {did}");
            }
            rev = Tid.Next(time);
            if (rev.CompareTo(account.Rev) <= 0)
            {
                throw new InvalidOperationException($"the clock is before {did}'s revision {account.Rev}");
            }
            account.Apply(change.Collection, path, record, rev);
        }
        var cid = record is null ? (Cid?)null : Cid.Compute(Cid.DagCborCodec, record);
        return new RecordChangeResult(did, rev.Value, change.Collection, rkey, cid?.ToString(),
            JetstreamEvent(did, rev, change.Operation, change.Collection, rkey, record, cid));
    }

    private string JetstreamEvent(string did, Tid rev, string operation, string collection, string rkey, byte[]? record, Cid? cid)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, DagCborJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("did", did);
            writer.WriteNumber("time_us", (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10);
            writer.WriteString("kind", "commit");
            writer.WriteStartObject("commit");
            writer.WriteString("rev", rev.Value);
            writer.WriteString("operation", operation);
            writer.WriteString("collection", collection);
            writer.WriteString("rkey", rkey);
            if (record is not null)
            {
                writer.WritePropertyName("record");
                DagCborJson.WriteJson(record, writer);
                writer.WriteString("cid", cid!.Value.ToString());
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
