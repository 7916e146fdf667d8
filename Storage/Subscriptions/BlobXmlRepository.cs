using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Jetstream.Storage.Subscriptions;

/// <summary>
/// The Data Protection key ring in a blob container, one blob per key, so every Api and consumer instance of the
/// cluster protects and unprotects with the same keys (Azure.Extensions.AspNetCore.DataProtection.Blobs is not
/// available here; this is Data Protection's documented extension point). Keys are written once and never changed.
/// </summary>
public sealed class BlobXmlRepository(BlobContainerClient container) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        container.CreateIfNotExists();
        var elements = new List<XElement>();
        foreach (var blob in container.GetBlobs(BlobTraits.None, BlobStates.None, prefix: null, CancellationToken.None))
        {
            try
            {
                using var content = container.GetBlobClient(blob.Name).OpenRead();
                elements.Add(XElement.Load(content));
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Removed between the listing and the read.
            }
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        container.CreateIfNotExists();
        var name = (string.IsNullOrWhiteSpace(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName) + ".xml";
        using var stream = new MemoryStream();
        element.Save(stream, SaveOptions.DisableFormatting);
        stream.Position = 0;
        container.GetBlobClient(name).Upload(stream, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } });
    }
}
