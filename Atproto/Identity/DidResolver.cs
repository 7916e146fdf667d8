using System.Net;
using Jetstream.Atproto.Http;
using Jetstream.Atproto.Network;

namespace Jetstream.Atproto.Identity;

/// <summary>
/// Resolves <c>did:plc</c> from the PLC directory and <c>did:web</c> from <c>https://{host}/.well-known/did.json</c>,
/// caching documents for <see cref="DidResolverOptions.CacheTtl"/>. The <see cref="HttpClient"/> given should carry a
/// <see cref="PrivateNetworkGuard"/>: a did:web host is whoever made the DID.
/// </summary>
public sealed class DidResolver : IDidResolver
{
    private readonly HttpClient _http;
    private readonly DidResolverOptions _options;
    private readonly TimeProvider _time;
    private readonly DidDocumentCache _cache;

    public DidResolver(HttpClient http, DidResolverOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _http = http;
        _options = options;
        _time = time;
        _cache = new DidDocumentCache(time, options.CacheTtl, options.MaxCachedDocuments);
    }

    public async Task<DidDocument> ResolveAsync(string did, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGet(did, out var cached))
        {
            return cached;
        }

        var url = DidLocator.Locate(did, _options.PlcUrl);
        var body = await FetchAsync(did, url, cancellationToken);
        var document = DidDocument.Parse(body, did);
        _cache.Add(document);
        return document;
    }

    public void Invalidate(string did) => _cache.Remove(did);

    private async Task<byte[]> FetchAsync(string did, Uri url, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/did+ld+json");
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    throw new DidNotFoundException(did);
                case HttpStatusCode.Gone when did.StartsWith("did:plc:", StringComparison.Ordinal):
                    throw new DidTombstonedException(did);
                case >= HttpStatusCode.MultipleChoices and < HttpStatusCode.BadRequest:
                    // A redirect is refused, not followed (build the handler with AllowAutoRedirect = false): the
                    // document must come from the host the DID names.
                    throw new InvalidDidDocumentException(did, $"was not served: {url.Host} answered a redirect ({(int)response.StatusCode})");
                case var status when !response.IsSuccessStatusCode:
                    throw new DidResolutionException(did, $"{url.Host} answered {(int)status} {response.ReasonPhrase}", status);
            }

            return await BoundedContent.ReadAsync(response.Content, _options.MaxDocumentBytes, linked.Token)
                ?? throw new InvalidDidDocumentException(did, $"is larger than {_options.MaxDocumentBytes} bytes");
        }
        catch (HttpRequestException ex) when (ex.InnerException is PrivateNetworkRefusedException refused)
        {
            throw refused;
        }
        catch (HttpRequestException ex)
        {
            throw new DidResolutionException(did, $"{url.Host} could not be reached: {ex.Message}", ex.StatusCode, ex);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DidResolutionException(did, $"{url.Host} did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s", inner: ex);
        }
    }
}
