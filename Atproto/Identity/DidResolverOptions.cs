namespace Jetstream.Atproto.Identity;

/// <summary>Settings of <see cref="DidResolver"/>; <see cref="Validate"/> names the one that is wrong.</summary>
public sealed class DidResolverOptions
{
    /// <summary>The PLC directory did:plc documents are read from (<c>GET {PlcUrl}/{did}</c>).</summary>
    public Uri PlcUrl { get; set; } = new("https://plc.directory");

    /// <summary>How long a resolved document is used before it is read again.</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Documents kept at most; past it the oldest-expiring ones are dropped.</summary>
    public int MaxCachedDocuments { get; set; } = 100_000;

    /// <summary>A larger answer is refused: real documents are about 1 KB, and a did:web host is anyone.</summary>
    public int MaxDocumentBytes { get; set; } = 64 * 1024;

    /// <summary>Time allowed for one resolution, from request to the last byte.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public void Validate()
    {
        if (!PlcUrl.IsAbsoluteUri || (PlcUrl.Scheme != Uri.UriSchemeHttps && PlcUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{nameof(PlcUrl)} must be an absolute http(s) URL, not '{PlcUrl}'", nameof(PlcUrl));
        }

        if (CacheTtl < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(CacheTtl)} must not be negative ({CacheTtl})", nameof(CacheTtl));
        }

        if (MaxCachedDocuments < 0)
        {
            throw new ArgumentException($"{nameof(MaxCachedDocuments)} must not be negative ({MaxCachedDocuments})", nameof(MaxCachedDocuments));
        }

        if (MaxDocumentBytes < 1024)
        {
            throw new ArgumentException($"{nameof(MaxDocumentBytes)} must be at least 1024 ({MaxDocumentBytes})", nameof(MaxDocumentBytes));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(RequestTimeout)} must be positive ({RequestTimeout})", nameof(RequestTimeout));
        }
    }
}
