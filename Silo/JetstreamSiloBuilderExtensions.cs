using Jetstream.Storage;
using Jetstream.Grains;

namespace Jetstream.Silo;

public static class JetstreamSiloBuilderExtensions
{
    /// <summary>
    /// The processors' silo-side parts: their services, Azure Table grain storage and reminders (so a processor comes
    /// back on another silo when its silo dies), and a start-up task that makes <c>default</c> from configuration and
    /// activates every enabled subscription. Clustering is configured apart.
    /// </summary>
    public static ISiloBuilder AddJetstreamProcessor(this ISiloBuilder silo, IConfiguration configuration, string storageConnectionString)
    {
        var storage = new StorageConnection(storageConnectionString);
        silo.Services.AddJetstreamProcessor(configuration);
        silo.AddAzureTableGrainStorage(ProcessorStorage.Name, options => options.TableServiceClient = storage.TableService());
        silo.UseAzureTableReminderService(options => options.TableServiceClient = storage.TableService());
        silo.AddStartupTask(SubscriptionActivation.RunAsync);
        silo.Services.AddHostedService<SubscriptionWatchdog>();
        return silo;
    }
}
