using Microsoft.Extensions.Logging;

namespace Jetstream.OrleansHosting;

internal static partial class HostingLog
{
    [LoggerMessage(1, LogLevel.Warning, "No Orleans gateway reachable ({Reason}); retrying in {DelaySeconds} s")]
    public static partial void GatewayUnreachable(ILogger logger, string reason, double delaySeconds);
}
