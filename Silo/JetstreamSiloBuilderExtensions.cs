using Azure.Data.Tables;
using Jetstream.Grains;
using Jetstream.Grains.Interfaces;
using Jetstream.Grains.Options;
using Microsoft.Extensions.Options;

namespace Jetstream.Silo;

public static class JetstreamSiloBuilderExtensions
{
    /// <summary>
    /// The processor's silo-side parts: its services, Azure Table grain storage and reminders (so the processor comes
    /// back on another silo when its silo dies), and a start-up task that activates it. Clustering is configured apart.
    /// </summary>
    public static ISiloBuilder AddJetstreamProcessor(this ISiloBuilder silo, IConfiguration configuration, string storageConnectionString)
    {
        silo.Services.AddJetstreamProcessor(configuration);
        silo.AddAzureTableGrainStorage(ProcessorStorage.Name, options => options.TableServiceClient = new TableServiceClient(storageConnectionString));
        silo.UseAzureTableReminderService(options => options.TableServiceClient = new TableServiceClient(storageConnectionString));
        silo.AddStartupTask(static async (services, cancellationToken) =>
        {
            if (services.GetRequiredService<IOptions<JetstreamOptions>>().Value.AutoStart)
            {
                await services.GetRequiredService<IGrainFactory>()
                    .GetGrain<IJetstreamProcessorGrain>(IJetstreamProcessorGrain.DefaultKey)
                    .EnsureRunning();
            }
        });
        return silo;
    }
}
