using Jetstream.Grains.Interfaces;
using Microsoft.Extensions.Logging;

namespace Jetstream.Grains.Connection;

/// <summary>
/// What a refused handshake (4xx) means. On v2 the XRPC error name is read with a plain GET (§3.1):
/// <c>UnknownZstdDictionary</c> refetches the dictionary (or gives up compression) and retries at once,
/// <c>CursorTooOld</c> resumes at the floor with a gap; anything else is a configuration error.
/// </summary>
public sealed class HandshakeRejections(CompressionPlanner compression, SessionGaps gaps, IHttpClientFactory http, ILogger logger, string key)
{
    /// <returns>A gap to report, or whether to retry at once; when neither, the configuration error to show.</returns>
    public async Task<(StreamGap? Gap, bool RetryNow, string? ConfigurationError)> ExplainAsync(
        string endpoint, IJetstreamWire wire, Uri uri, long? cursor, int status, CancellationToken cancellationToken)
    {
        var rejection = wire.SequenceCursor ? await XrpcRejection.ReadAsync(http, uri, cancellationToken) : null;
        if (rejection?.Error == "UnknownZstdDictionary")
        {
            var refetched = await compression.OnUnknownDictionaryAsync(endpoint, cancellationToken);
            Log.DictionaryRefused(logger, key, endpoint, rejection.Message, refetched);
            return (null, true, null);
        }

        if (rejection?.Error == "CursorTooOld" && gaps.CursorTooOld(endpoint, cursor, rejection.NumberAfter("floor")) is { } gap)
        {
            return (gap, true, null);
        }

        var name = rejection is null ? "" : $" {rejection.Error}: {rejection.Message}";
        return (null, false,
            $"HTTP {status}{name} from {endpoint}: the server rejected the subscription; check Jetstream:WantedCollections, Jetstream:WantedDids and Jetstream:Endpoints ({uri.Query}).");
    }
}
