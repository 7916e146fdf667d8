using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// One account of the network: its DID, PDS host, signing key, and the changes made to it since genesis (the
/// generated records themselves are never held: <see cref="RecordGenerator"/> makes them again on each build).
/// </summary>
public sealed class EmulatedAccount
{
    private readonly SortedDictionary<string, byte[]?> _changes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _createdCollections = new(StringComparer.Ordinal);

    internal EmulatedAccount(int index, Did did, int host, AtprotoPrivateKey key, bool legacyKeyForm, Tid genesisRev)
    {
        Index = index;
        Did = did;
        Host = host;
        Key = key;
        LegacyKeyForm = legacyKeyForm;
        Rev = genesisRev;
    }

    public int Index { get; }

    public Did Did { get; }

    /// <summary>The PDS host index the DID document names.</summary>
    public int Host { get; }

    public AtprotoPrivateKey Key { get; }

    /// <summary>Whether the DID document carries the key in the legacy <c>EcdsaSecp256…VerificationKey2019</c> form.</summary>
    public bool LegacyKeyForm { get; }

    /// <summary>Guards <see cref="Rev"/> and the changes: a build reads them together.</summary>
    internal Lock Gate { get; } = new();

    /// <summary>The revision of the latest commit.</summary>
    public Tid Rev { get; private set; }

    /// <summary>Changed records by <c>collection/rkey</c>: the new DAG-CBOR, or null where one was deleted. Read under <see cref="Gate"/>.</summary>
    internal SortedDictionary<string, byte[]?> Changes => _changes;

    internal bool HasCreatedIn(string collection)
    {
        lock (Gate)
        {
            return _createdCollections.Contains(collection);
        }
    }

    /// <summary>Records one change and moves the revision on; call under <see cref="Gate"/>.</summary>
    internal void Apply(string collection, string path, byte[]? record, Tid rev)
    {
        _changes[path] = record;
        if (record is not null)
        {
            _createdCollections.Add(collection);
        }
        Rev = rev;
    }
}
