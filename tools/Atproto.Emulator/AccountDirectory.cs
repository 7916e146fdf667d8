using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Jetstream.Atproto;
using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Syntax;

namespace Atproto.Emulator;

/// <summary>
/// The accounts of the network, made from the seed when first asked for: a did:plc-style DID (24 base32 characters
/// from SHA-256 of seed and index), a PDS host, a k256 or p256 key from the same hash. Only the DID → index map is
/// made at start (about 100 bytes an account); the keys and changes are made and kept as accounts are used.
/// </summary>
public sealed class AccountDirectory
{
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private readonly AtprotoEmulatorOptions _options;
    private readonly string[] _dids;
    private readonly Dictionary<string, int> _indexByDid;
    private readonly ConcurrentDictionary<int, Lazy<EmulatedAccount>> _accounts = new();

    public AccountDirectory(AtprotoEmulatorOptions options)
    {
        _options = options;
        _dids = new string[options.Accounts];
        _indexByDid = new Dictionary<string, int>(options.Accounts, StringComparer.Ordinal);
        for (var i = 0; i < options.Accounts; i++)
        {
            _dids[i] = MakeDid(options.Seed, i);
            _indexByDid[_dids[i]] = i;
        }
    }

    public int Count => _dids.Length;

    public string DidAt(int index) => _dids[index];

    public EmulatedAccount this[int index] => _accounts.GetOrAdd(index, i => new Lazy<EmulatedAccount>(() => Create(i))).Value;

    public bool TryGet(string did, out EmulatedAccount account)
    {
        if (_indexByDid.TryGetValue(did, out var index))
        {
            account = this[index];
            return true;
        }
        account = null!;
        return false;
    }

    /// <summary>A key no DID document names, for commits signed by the wrong key.</summary>
    internal AtprotoPrivateKey ForeignKey(EmulatedAccount account) => DeriveKey(account.Key.PublicKey.Curve, $"foreign/{_options.Seed}/{account.Index}");

    /// <summary>A DID of no account, for commits that name another DID.</summary>
    internal Did ForeignDid(EmulatedAccount account) => Did.Parse(MakeDid(_options.Seed, -1 - account.Index));

    private EmulatedAccount Create(int index)
    {
        var curve = _options.Curves switch
        {
            "mixed" => index % 2 == 0 ? AtprotoPublicKey.K256 : AtprotoPublicKey.P256,
            var fixedCurve => fixedCurve,
        };
        var legacy = _options.KeyForm switch
        {
            "legacy" => true,
            "mixed" => index % 3 == 2,
            _ => false,
        };
        return new EmulatedAccount(
            index,
            Did.Parse(_dids[index]),
            index % _options.PdsHosts,
            DeriveKey(curve, $"key/{_options.Seed}/{index}"),
            legacy,
            Tid.FromTime(_options.Genesis, clockId: index % 1024));
    }

    private static string MakeDid(int seed, int index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"did/{seed}/{index}"));
        var chars = new char[24];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Base32[hash[i] & 31];
        }
        return "did:plc:" + new string(chars);
    }

    // A hash is a valid scalar on both curves but with negligible odds; rehash until one is.
    private static AtprotoPrivateKey DeriveKey(string curve, string label)
    {
        var material = SHA256.HashData(Encoding.UTF8.GetBytes(label));
        while (true)
        {
            try
            {
                return AtprotoPrivateKey.Import(curve, material);
            }
            catch (AtprotoException)
            {
                material = SHA256.HashData(material);
            }
        }
    }
}
