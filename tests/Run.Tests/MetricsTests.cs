namespace Jetstream.Run.Tests;

/// <summary>
/// <c>/metrics</c> on the silos, the WebhookConsumer and the Api, scraped twice while the offline system runs with a
/// receiver that fails a third of the requests (so retries and dead letters happen too).
/// </summary>
[Collection(RunCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_on_every_host_name_the_documented_instruments_and_move_while_events_flow()
    {
        await using var run = RunScript.StartOffline(new Dictionary<string, string>
        {
            ["Receiver__FailureRate"] = "0.33",
            ["Webhook__RetrySchedule__0"] = "00:00:01",
            ["Webhook__RetrySchedule__1"] = "00:00:01",
        });
        await run.WaitUntilRunningAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ports = run.Ports;
        await http.GetStringAsync($"http://127.0.0.1:{ports.Api}/stats");

        var silo = await PrometheusText.ScrapeAsync(http, ports.Silo, ports.Silo2);
        var consumer = await PrometheusText.ScrapeAsync(http, ports.Consumer);
        var api = await PrometheusText.ScrapeAsync(http, ports.Api);

        PrometheusText siloLater = silo, consumerLater = consumer;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(SiloMoved(silo, siloLater) && ConsumerMoved(consumer, consumerLater) && RetriedAndDeadLettered(consumerLater)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"metrics did not move within 60 s\n--- silo ---\n{Jetstream(siloLater)}\n--- consumer ---\n{Jetstream(consumerLater)}\n{run.Diagnostics()}");
            await Task.Delay(1000);
            siloLater = await PrometheusText.ScrapeAsync(http, ports.Silo, ports.Silo2);
            consumerLater = await PrometheusText.ScrapeAsync(http, ports.Consumer);
        }

        Assert.True(siloLater.Sum("jetstream_events_received_total", "kind=\"identity\"") + siloLater.Sum("jetstream_events_received_total", "kind=\"account\"") > 0);
        Assert.True(siloLater.Sum("jetstream_events_skipped_total") > 0);
        Assert.True(siloLater.Has("jetstream_cursor_lag_seconds"));
        Assert.True(siloLater.Sum("jetstream_queue_send_duration_seconds_count") > silo.Sum("jetstream_queue_send_duration_seconds_count"));
        Assert.True(siloLater.Sum("orleans_grains") > 0, "the Orleans meters are exported");
        Assert.Contains("\ndotnet_gc_", siloLater.Text);
        Assert.True(consumerLater.Sum("webhook_delivery_latency_seconds_count") > consumer.Sum("webhook_delivery_latency_seconds_count"));
        Assert.True(consumerLater.Sum("webhook_delivery_latency_seconds_bucket", "le=\"60\"") > 0, "latency buckets are in seconds");
        Assert.True(consumerLater.Sum("webhook_deliveries_total", "outcome=\"5xx\"") > 0);

        // The Api handles no events; its request and Orleans client metrics move with the requests it serves.
        await http.GetStringAsync($"http://127.0.0.1:{ports.Api}/stats");
        var apiLater = await PrometheusText.ScrapeAsync(http, ports.Api);
        Assert.True(
            apiLater.Sum("http_server_request_duration_seconds_count", "http_route=\"/stats\"") > api.Sum("http_server_request_duration_seconds_count", "http_route=\"/stats\""),
            apiLater.Text);
        Assert.Contains("\norleans_", apiLater.Text);
    }

    private static bool SiloMoved(PrometheusText before, PrometheusText after) =>
        after.Sum("jetstream_events_received_total", "kind=\"commit\"") > before.Sum("jetstream_events_received_total", "kind=\"commit\"")
        && after.Sum("jetstream_commits_queued_total", "collection=\"work.doing.activity\"") > before.Sum("jetstream_commits_queued_total", "collection=\"work.doing.activity\"")
        && after.Sum("jetstream_commits_queued_total", "collection=\"blue.2048.game\"") > before.Sum("jetstream_commits_queued_total", "collection=\"blue.2048.game\"");

    private static bool ConsumerMoved(PrometheusText before, PrometheusText after) =>
        after.Sum("webhook_deliveries_total", "outcome=\"2xx\"") > before.Sum("webhook_deliveries_total", "outcome=\"2xx\"");

    private static bool RetriedAndDeadLettered(PrometheusText consumer) =>
        consumer.Sum("webhook_retries_total") > 0 && consumer.Sum("webhook_dead_lettered_total") > 0;

    private static string Jetstream(PrometheusText scrape) =>
        string.Join('\n', scrape.Text.Split('\n').Where(l => l.StartsWith("jetstream_", StringComparison.Ordinal) || l.StartsWith("webhook_", StringComparison.Ordinal)));
}
