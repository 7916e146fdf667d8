namespace Jetstream.AppHost;

/// <summary>The fixed ports of one run: what the user opens, and what the processes listen on.</summary>
internal sealed record RunPorts(
    int Dashboard, int DashboardOtlp, int Api, int Silo1, int Consumer, int Silo2, int Emulator, int Receiver,
    int Blob, int Queue, int Table, int Silo1Orleans, int Silo1Gateway, int Silo2Orleans, int Silo2Gateway)
{
    /// <summary>The ports this run listens on, each with the setting that moves it.</summary>
    public IEnumerable<(string Name, int Port)> Named(bool offline, bool azurite)
    {
        yield return ("ASPNETCORE_URLS", Dashboard);
        yield return ("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", DashboardOtlp);
        yield return ("JETSTREAM_API_PORT", Api);
        yield return ("JETSTREAM_SILO_PORT", Silo1);
        yield return ("JETSTREAM_SILO2_PORT", Silo2);
        yield return ("JETSTREAM_CONSUMER_PORT", Consumer);
        yield return ("JETSTREAM_SILO_ORLEANS_PORT", Silo1Orleans);
        yield return ("JETSTREAM_SILO_GATEWAY_PORT", Silo1Gateway);
        yield return ("JETSTREAM_SILO2_ORLEANS_PORT", Silo2Orleans);
        yield return ("JETSTREAM_SILO2_GATEWAY_PORT", Silo2Gateway);
        if (azurite)
        {
            yield return ("JETSTREAM_AZURITE_BLOB_PORT", Blob);
            yield return ("JETSTREAM_AZURITE_QUEUE_PORT", Queue);
            yield return ("JETSTREAM_AZURITE_TABLE_PORT", Table);
        }

        if (offline)
        {
            yield return ("JETSTREAM_EMULATOR_PORT", Emulator);
            yield return ("JETSTREAM_RECEIVER_PORT", Receiver);
        }
    }
}
