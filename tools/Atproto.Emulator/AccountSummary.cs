namespace Atproto.Emulator;

/// <summary>One account as <c>GET /control/accounts</c> lists it.</summary>
public sealed record AccountSummary(int Index, string Did, int Host, string Pds, string Curve, bool LegacyKeyForm, string Rev);
