using Jetstream.AppHost;
using Jetstream.AppHost.Console;

// The whole system on this machine: `dotnet run --project AppHost` (add `-- --offline` for the Jetstream emulator and a
// printing receiver), or ./run.sh, which installs Azurite first. Settings: AppHost/RunSettings.cs and docs/run.md.
var builder = DistributedApplication.CreateBuilder(RunSettings.AspireArguments(args));
RunSettings run;
try
{
    run = RunSettings.Read(builder.Configuration, args, repositoryRoot: Path.GetDirectoryName(builder.AppHostDirectory)!);
}
catch (RunSettingsException e)
{
    foreach (var error in e.Errors)
    {
        Console.Error.WriteLine($"AppHost: {error}");
    }

    Environment.ExitCode = 2;
    return;
}

var storage = builder.AddStorage(run);
var cluster = OrleansCluster.ForThisRun(TimeProvider.System);
var adminToken = builder.AddAdminToken();
var emulator = run.Offline ? builder.AddJetstreamEmulator(run) : null;

IResourceBuilder<ProjectResource>[] silos =
[
    builder.AddSilo("silo-1", run.Ports.Silo1, run.Ports.Silo1Orleans, run.Ports.Silo1Gateway, cluster, storage, emulator),
    builder.AddSilo("silo-2", run.Ports.Silo2, run.Ports.Silo2Orleans, run.Ports.Silo2Gateway, cluster, storage, emulator),
];
var api = builder.AddApi(run, cluster, storage, adminToken, silos);
var consumer = builder.AddWebhookConsumer(run, cluster, storage);
if (run.Offline)
{
    var webhookSecret = builder.AddWebhookSecret();
    consumer.DeliveringTo(builder.AddPrintingReceiver(run, webhookSecret), webhookSecret);

    // Offline everything listens on loopback: subscriptions created through the Api may deliver there too.
    api.WithEnvironment("Webhook__AllowPrivateNetworks", "true");
    consumer.WithEnvironment("Webhook__AllowPrivateNetworks", "true");
}
else
{
    consumer.DeliveringTo(builder.AddWebhookUrl());
}

builder.AddRunConsole(run, adminToken, storageUsers: [.. silos, api, consumer]);
builder.Build().Run();
