namespace Jetstream.TestSupport;

/// <summary>
/// The Azure Storage every test shares: <c>AZURE_STORAGE_CONNECTION_STRING</c> when set, else Azurite on its default
/// ports when one is listening (as <c>test.sh</c> starts it), else an Azurite this process starts and kills on exit.
/// Tests isolate themselves with unique queue, table and container names (<see cref="TestNames"/>).
/// </summary>
public static class SharedAzurite
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _connectionString;
    private static AzuriteProcess? _owned;

    public static async Task<string> GetConnectionStringAsync()
    {
        if (_connectionString is not null)
        {
            return _connectionString;
        }

        await Gate.WaitAsync();
        try
        {
            if (_connectionString is not null)
            {
                return _connectionString;
            }

            if (Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING") is { Length: > 0 } fromEnv)
            {
                _connectionString = fromEnv;
            }
            else if (await FreePort.IsListeningAsync(10000) && await FreePort.IsListeningAsync(10001) && await FreePort.IsListeningAsync(10002))
            {
                _connectionString = AzuriteProcess.ConnectionStringFor(10000, 10001, 10002);
            }
            else
            {
                _owned = await AzuriteProcess.StartAsync();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => _owned.Kill();
                _connectionString = _owned.ConnectionString;
            }

            return _connectionString;
        }
        finally
        {
            Gate.Release();
        }
    }
}
