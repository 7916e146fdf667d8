namespace Atproto.Emulator;

/// <summary>plc.directory's 404 body.</summary>
public sealed record PlcNotFound(string Message);
