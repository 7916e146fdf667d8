namespace Jetstream.EventQueue;

/// <summary>The Azure Storage connection string (<c>ConnectionStrings:AzureStorage</c>, default the local emulator).</summary>
public sealed record StorageConnection(string ConnectionString)
{
    public const string Name = "AzureStorage";

    public const string DevelopmentStorage = "UseDevelopmentStorage=true";
}
