using System.Diagnostics;
using System.Text;
using Azure.Storage.Blobs.Models;
using Jetstream.Storage;
using Jetstream.TestSupport;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookConsumer.Hosting;
using Jetstream.WebhookReceiver;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

public sealed class DeliveryContractTests(ITestOutputHelper output)
{
    [Fact]
    public void Standard_webhooks_test_vector_is_signed_by_the_consumer_and_accepted_by_the_receiver()
    {
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        const long timestamp = 1614265330;
        var body = """{"test": 2432232314}"""u8.ToArray();

        var signature = new WebhookSigner(secret).Sign(id, timestamp, body);

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
        var verifier = new SignatureVerifier(secret, TimeSpan.FromMinutes(5));
        var then = DateTimeOffset.FromUnixTimeSeconds(timestamp);
        Assert.True(verifier.Verify(id, "1614265330", signature, body, then));
        Assert.False(verifier.Verify(id, "1614265330", signature, """{"test": 2432232315}"""u8, then));
        Assert.False(verifier.Verify("msg_other", "1614265330", signature, body, then));
        Assert.False(verifier.Verify(id, "1614265330", signature, body, then.AddMinutes(6)));
    }

    [Fact]
    public void Rotation_signs_with_every_secret_so_either_verifies()
    {
        var oldSecret = ConsumerHarness.NewSecret();
        var newSecret = ConsumerHarness.NewSecret();
        var body = "{}"u8.ToArray();
        var now = DateTimeOffset.UtcNow;

        var header = new WebhookSigner($"{oldSecret} {newSecret}").Sign("evt_1", now.ToUnixTimeSeconds(), body);

        Assert.Equal(2, header.Split(' ').Length);
        var timestamp = now.ToUnixTimeSeconds().ToString();
        Assert.True(new SignatureVerifier(oldSecret, TimeSpan.FromMinutes(5)).Verify("evt_1", timestamp, header, body, now));
        Assert.True(new SignatureVerifier(newSecret, TimeSpan.FromMinutes(5)).Verify("evt_1", timestamp, header, body, now));
        Assert.False(new SignatureVerifier(ConsumerHarness.NewSecret(), TimeSpan.FromMinutes(5)).Verify("evt_1", timestamp, header, body, now));
    }

    [Fact]
    public async Task Every_sample_and_edge_case_event_arrives_byte_for_byte_signed_with_the_contract_headers()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "fidelity");
        var events = File.ReadAllLines(RepoPaths.SampleEvents)
            .Where(line => line.Length > 0)
            .Select(TestEvents.FromJson)
            .ToList();
        events.Add(TestEvents.FromJson("""{"did":"did:plc:unicode","time_us":1779719009000001,"kind":"commit","commit":{"rev":"3u1","operation":"create","collection":"app.bsky.feed.post","rkey":"u1","record":{"text":"héllo 👋🏽 日本語 Ελληνικά \u2028 \ud83d\ude00 \"q\" \\ end","langs":["ja","el"]}}}"""));
        events.Add(TestEvents.FromJson("""{"did":"did:plc:amp","time_us":1779719009000002,"kind":"commit","commit":{"rev":"3a1","operation":"create","collection":"app.bsky.feed.post","rkey":"a1","record":{"text":"Tom \u0026 Jerry \u003cb\u003e\u0027","facets":[]}}}"""));
        events.Add(TestEvents.FromJson("""{"did":"did:plc:nulls","time_us":1779719009000003,"kind":"commit","commit":{"rev":"3n1","operation":"create","collection":"app.bsky.feed.post","rkey":"n1","record":{"reply":null,"embed":null,"labels":[null]},"cid":null}}"""));
        events.Add(TestEvents.FromJson("""{ "did" : "did:plc:spacing",  "time_us":1779719009000004 , "kind":"commit","commit":{"rev":"3s1","operation":"delete","collection":"app.bsky.feed.like","rkey":"s1"} }"""));
        var large = await QueueLargeEventAsync(harness);

        await harness.SendAsync([.. events, large.Event], perMessage: 4);
        var rotatedSecrets = $"{ConsumerHarness.NewSecret()} {harness.Secret}";
        await harness.StartConsumerAsync(new Dictionary<string, string?>
        {
            ["Webhook:Secret"] = rotatedSecrets,
            ["Webhook:BearerToken"] = "test-bearer",
        });

        var expected = events.ToDictionary(e => e.EventId, e => e.EventJson.ToArray());
        expected[large.Event.EventId] = large.Body;
        await harness.Receiver.WaitForUniqueAsync(expected.Count, TimeSpan.FromSeconds(30));

        var deliveries = harness.Receiver.Deliveries;
        Assert.Equal(expected.Keys.Order(), deliveries.Select(d => d.Id).Distinct().Order());
        foreach (var delivery in deliveries)
        {
            Assert.Equal(expected[delivery.Id], delivery.Body);
            Assert.True(delivery.SignatureValid);
            Assert.Equal("application/json", delivery.Headers["Content-Type"]);
            Assert.StartsWith("Jetstream.Orleans/1.0.0", delivery.Headers["User-Agent"]);
            Assert.Equal("Bearer test-bearer", delivery.Headers["Authorization"]);
            Assert.Equal(2, delivery.Headers["webhook-signature"].Split(' ').Length);
            var timestamp = DateTimeOffset.FromUnixTimeSeconds(long.Parse(delivery.Headers["webhook-timestamp"]));
            Assert.InRange(timestamp, delivery.ArrivedAt.AddMinutes(-1), delivery.ArrivedAt.AddSeconds(1));
        }

        Assert.Equal(0, harness.Receiver.Stats.Rejected);
        await ConsumerHarness.WaitUntilAsync(async () => await harness.MainQueueCountAsync() == 0, TimeSpan.FromSeconds(10), "the queue to empty");
        await ConsumerHarness.WaitUntilAsync(async () => !await harness.Clients.LargeEvents.GetBlobClient(large.Event.BlobName).ExistsAsync(),
            TimeSpan.FromSeconds(10), "the delivered large event's blob to be deleted");
        Assert.Equal(0, await harness.DeadLetters.CountAsync());
    }

    [Fact]
    public async Task Events_of_one_did_arrive_in_queue_order_while_different_dids_run_in_parallel_up_to_the_limit()
    {
        await using var harness = await ConsumerHarness.CreateAsync(output, "order");
        var events = TestEvents.Interleaved(dids: 12, perDid: 25);
        await harness.SendAsync(events, perMessage: 7);
        harness.Receiver.Behaviour = new ReceiverBehaviour { Delay = TimeSpan.FromMilliseconds(3) };

        await harness.StartConsumerAsync(new Dictionary<string, string?> { ["Webhook:MaxConcurrency"] = "12" });
        await harness.Receiver.WaitForUniqueAsync(events.Count, TimeSpan.FromSeconds(60));

        Assert.Equal(0, harness.OvertakenWithinDid(events));

        var concurrent = harness.Receiver.Stats.MaxConcurrent;
        Assert.InRange(concurrent, 2, 12);
        harness.Report($"order: {events.Count} events over 12 DIDs, per-DID order kept, up to {concurrent} requests at once (limit 12)");
    }

    [Fact]
    public async Task Delivery_continues_the_trace_carried_in_the_message()
    {
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WebhookConsumerMetrics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var harness = await ConsumerHarness.CreateAsync(output, "trace");
        var queued = TestEvents.Commit("did:plc:trace", 1) with { TraceParent = $"00-{traceId}-b7ad6b7169203331-01" };
        await harness.SendAsync([queued], perMessage: 1);

        await harness.StartConsumerAsync();
        await harness.Receiver.WaitForUniqueAsync(1, TimeSpan.FromSeconds(10));

        // The receiver counts a delivery before it appends the record: wait for the record itself.
        await Jetstream.TestSupport.Eventually.HoldsAsync(() => Task.FromResult(harness.Receiver.Deliveries.Count > 0), TimeSpan.FromSeconds(10), "the delivery record");
        var traceParent = harness.Receiver.Deliveries.Single().Headers["traceparent"];
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-01$", traceParent);
        Assert.DoesNotContain("b7ad6b7169203331", traceParent);
    }

    [Theory]
    [InlineData("Webhook:Url", "/relative/hook", "Webhook:Url")]
    [InlineData("Webhook:Url", "ftp://example.com/hook", "Webhook:Url")]
    [InlineData("Webhook:Secret", "not-a-secret", "Webhook:Secret")]
    [InlineData("Webhook:Secret", "whsec_!!!", "Webhook:Secret")]
    [InlineData("Webhook:RetrySchedule", "00:00:01,00:00:05", "Webhook:RetrySchedule")]
    [InlineData("Webhook:VisibilityTimeout", "00:00:10", "Webhook:VisibilityTimeout")]
    [InlineData("Webhook:BatchSize", "33", "Webhook:BatchSize")]
    [InlineData("Webhook:MaxPollInterval", "00:05:00", "Webhook:MaxPollInterval")]
    [InlineData("Queue:MessageVersion", "3", "Queue:MessageVersion")]
    [InlineData("Queue:MessageVersion", "0", "Queue:MessageVersion")]
    public async Task Host_refuses_to_start_with_a_bad_setting_and_names_it(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = new Dictionary<string, string?> { ["Webhook:Url"] = "http://127.0.0.1:1/hook", [key] = value };

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddWebhookConsumer();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Default_retry_schedule_spans_a_day_and_a_configured_one_replaces_it()
    {
        static WebhookOptions Resolve(Dictionary<string, string?> settings)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddWebhookConsumer();
            using var host = builder.Build();
            return host.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        }

        var defaults = Resolve(new() { ["Webhook:Url"] = "https://example.com/hook" });
        var configured = Resolve(new()
        {
            ["Webhook:Url"] = "https://example.com/hook",
            ["Webhook:RetrySchedule:0"] = "00:00:02",
            ["Webhook:RetrySchedule:1"] = "00:01:00",
        });

        Assert.True(defaults.RetrySchedule.Aggregate(TimeSpan.Zero, (a, b) => a + b) >= TimeSpan.FromHours(24));
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)], configured.RetrySchedule);
        Assert.Equal(3, configured.MaxAttempts);
    }

    private static async Task<(QueuedEvent Event, byte[] Body)> QueueLargeEventAsync(ConsumerHarness harness)
    {
        // 200 KiB, over the 64 KiB message limit: the producer puts the body in a blob named <eventId>.json.
        var text = string.Concat(Enumerable.Repeat("large record ✓ \\u0026 ", 200 * 1024 / 20))[..(200 * 1024)];
        var queued = TestEvents.FromJson($$"""{"did":"did:plc:large","time_us":1779719009000009,"kind":"commit","commit":{"rev":"3b1","operation":"create","collection":"app.bsky.feed.post","rkey":"b1","record":{"text":"{{text}}""" + "\"}}}");
        var body = queued.EventJson.ToArray();
        Assert.True(body.Length > 200 * 1024);
        var blobName = queued.EventId + ".json";
        await harness.Clients.LargeEvents.GetBlobClient(blobName).UploadAsync(new BinaryData(body),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } });
        return (queued with { EventJson = default, BlobName = blobName }, body);
    }
}
