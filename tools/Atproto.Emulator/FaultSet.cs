namespace Atproto.Emulator;

/// <summary>The faults one request meets, by kind.</summary>
internal sealed class FaultSet(Dictionary<FaultKind, FaultRule> faults)
{
    public bool Has(FaultKind kind) => faults.ContainsKey(kind);

    public FaultRule? Get(FaultKind kind) => faults.GetValueOrDefault(kind);

    /// <summary>Faults that change how the repository is built (so its CAR cannot come from the cache).</summary>
    public bool ChangesContent => Has(FaultKind.TamperedRecord) || Has(FaultKind.ForeignSignature) || Has(FaultKind.ForeignDid);
}
