using System.Net.Http.Headers;
using System.Text;
using Jetstream.WebhookConsumer.Deliver;
using Jetstream.WebhookReceiver;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// What the benchmark reads from <c>tools/WebhookReceiver</c> (it has no receiver of its own): the events in batch
/// bodies, their first arrivals and repeats, a backfill's events apart, and events kept by the path they came to.
/// Real signed requests to a real Kestrel receiver.
/// </summary>
public sealed class ReceiverTallyTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static readonly WebhookSigner Signer = new(Secret);

    [Fact]
    public async Task Events_are_counted_in_batches_with_repeats_and_backfill_apart()
    {
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions
        {
            Secret = Secret, RecordDeliveries = false, CountEvents = true, TrackEvents = true, SplitBackfill = true,
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        using var http = new HttpClient();

        await PostAsync(http, receiver.Url, "a", $$"""{"did":"did:plc:a","time_us":{{now - 1000}},"kind":"commit"}""");
        await PostAsync(http, receiver.Url, "b", $$"""{"events":[{"time_us":{{now - 2000}}},{"time_us":{{now - 1000}}},{"time_us":{{now - 3000}},"live":false}]}""");
        await PostAsync(http, receiver.Url, "a", $$"""{"did":"did:plc:a","time_us":{{now - 1000}},"kind":"commit"}""");
        await PostAsync(http, receiver.Url, "c", "{}", sign: false);

        var stats = receiver.Stats;
        Assert.Equal(4, stats.Requests);
        Assert.Equal(3, stats.Delivered);
        Assert.Equal(1, stats.Rejected);
        Assert.Equal(1, stats.Duplicates);
        Assert.Equal(5, stats.Events);
        Assert.Equal(2, stats.UniqueEvents);
        Assert.Equal(2, receiver.Events.Repeats);
        Assert.Equal(1, receiver.Events.BackfillEvents);
        Assert.NotNull(receiver.Events.LastBackfillArrival);
        Assert.Equal(2, receiver.Events.FirstArrivals().Count);
        Assert.Equal(2, receiver.Events.LatencyMillis().Count);
        Assert.All(receiver.Events.LatencyMillis(), ms => Assert.InRange(ms, 0, 60_000));

        receiver.Reset();
        Assert.Equal(0, receiver.Stats.Events);
        Assert.Empty(receiver.Events.LatencyMillis());
    }

    [Fact]
    public async Task Without_counting_events_a_request_is_one_event()
    {
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions { Secret = Secret, RecordDeliveries = false });
        using var http = new HttpClient();

        await PostAsync(http, receiver.Url, "b", """{"events":[{"time_us":1},{"time_us":2}]}""");

        Assert.Equal(1, receiver.Stats.Events);
        Assert.Equal(1, receiver.Stats.UniqueEvents);
        Assert.Equal(0, receiver.Events.Events);
    }

    [Fact]
    public async Task Events_are_kept_under_the_path_they_came_to()
    {
        await using var receiver = await WebhookReceiverHost.StartAsync(new ReceiverOptions
        {
            Secret = Secret, RecordDeliveries = false, KeyByPath = body => Encoding.UTF8.GetString(body),
        });
        using var http = new HttpClient();

        await PostAsync(http, receiver.UrlFor("one"), "1", "x");
        await PostAsync(http, receiver.UrlFor("one"), "2", "x");
        await PostAsync(http, receiver.UrlFor("two"), "3", "y");

        Assert.Equal(2, receiver.Paths.Distinct);
        Assert.Equal(2, receiver.Paths.ByPath["one"]["x"]);
        Assert.Equal(1, receiver.Paths.ByPath["two"]["y"]);
    }

    private static async Task PostAsync(HttpClient http, Uri url, string id, string body, bool sign = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", sign ? Signer.Sign(id, timestamp, bytes) : "v1,AAAA");
        using var response = await http.SendAsync(request);
    }
}
