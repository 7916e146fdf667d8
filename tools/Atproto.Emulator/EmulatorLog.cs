using Microsoft.Extensions.Logging;

namespace Atproto.Emulator;

internal static partial class EmulatorLog
{
    [LoggerMessage(1, LogLevel.Information, "AT Protocol emulator: PLC and relay at {Main}, {Hosts} PDS host(s) from {FirstPds}; {Accounts} accounts × ({Matching} {Collection} + {Other} other) records, seed {Seed}")]
    public static partial void Started(ILogger logger, Uri main, int hosts, Uri firstPds, int accounts, int matching, string collection, int other, int seed);
}
