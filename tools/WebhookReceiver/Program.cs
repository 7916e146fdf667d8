using Jetstream.WebhookReceiver;
using Microsoft.Extensions.Configuration;

// The printing receiver of the offline demo: `dotnet run --project tools/WebhookReceiver -- --port 5080 --secret whsec_…`
// (or Receiver__Port, Receiver__Secret). One line per request; a summary on Ctrl-C.
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables()
    .AddCommandLine(args, new Dictionary<string, string>
    {
        ["--host"] = "Receiver:Host",
        ["--port"] = "Receiver:Port",
        ["--secret"] = "Receiver:Secret",
        ["--failure-rate"] = "Receiver:FailureRate",
    })
    .Build();
var section = configuration.GetSection("Receiver");
var options = new ReceiverOptions { Port = 5080, RecordDeliveries = false, Output = Console.Out };
section.Bind(options);

await using var receiver = await WebhookReceiverHost.StartAsync(options);
receiver.Behaviour = new ReceiverBehaviour { FailureRate = section.GetValue<double>("FailureRate") };
Console.WriteLine($"Webhook receiver listening on {receiver.Url} (signatures {(string.IsNullOrWhiteSpace(options.Secret) ? "not checked" : "checked")})");
await receiver.WaitForShutdownAsync();
var stats = receiver.Stats;
var latency = receiver.Latency();
Console.WriteLine($"requests {stats.Requests}, delivered {stats.Delivered}, unique ids {stats.UniqueIds}, duplicates {stats.Duplicates}, " +
    $"rejected {stats.Rejected}, failed on purpose {stats.Failed}; latency ms p50 {latency.P50:0.0} p99 {latency.P99:0.0} max {latency.Max:0.0} over {latency.Count}");
