using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;

namespace Jetstream.AppHost.Tests;

/// <summary>The AppHost as a developer runs it offline, checked through the hosts' own endpoints and the dashboard.</summary>
public sealed partial class OfflineAppHostTests
{
    [Fact]
    public async Task An_event_published_by_the_emulator_reaches_the_receiver_and_its_trace_reaches_the_dashboard_end_to_end()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var run = await OfflineAppHost.StartAsync(timeout.Token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };

        // The emulator's feed is off: its control endpoint publishes three events (its generator makes commits in
        // work.doing.* and blue.2048.*, the processor's collections, nine times in ten).
        var emulator = run.App.GetEndpoint("jetstream-emulator", "http");
        (await http.PostAsync(new Uri(emulator, "/control/publish?count=3"), null, timeout.Token)).EnsureSuccessStatusCode();

        var delivery = await FirstDeliveryAsync(run, timeout.Token);
        var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(run.App.GetEndpoint("api", "http"), "/stats"), timeout.Token);
        Assert.True(stats.GetProperty("totalEvents").GetInt64() >= 1, stats.ToString());

        // The dashboard received the event's trace over OTLP: the silo's receive, the consumer's delivery under it, and
        // the webhook request to the receiver under that.
        var trace = await TraceOfEventAsync(run, http, delivery.Groups["id"].Value, timeout.Token);
        var receive = Assert.Single(trace, s => s.Name == "jetstream.receive");
        Assert.Matches("^silo-[12]$", receive.Service);
        Assert.Equal(delivery.Groups["collection"].Value, receive.Attributes["jetstream.collection"]);
        var deliver = Assert.Single(trace, s => s.Name == "webhook.deliver");
        Assert.Equal("webhook-consumer", deliver.Service);
        Assert.Equal(receive.SpanId, deliver.ParentSpanId);
        Assert.Equal(delivery.Groups["id"].Value, deliver.Attributes["webhook.event_id"]);
        var post = Assert.Single(trace, s => s.ParentSpanId == deliver.SpanId);
        Assert.Equal("webhook-consumer", post.Service);
        var webhook = new Uri(post.Attributes["url.full"]);
        Assert.Equal((run.App.GetEndpoint("receiver", "http").Port, "/"), (webhook.Port, webhook.AbsolutePath));

        // The consumer is a client of the same cluster: the processor wakes it after each queue write.
        await ConsoleLineAsync(run, "webhook-consumer", "[default] Woken by its processor's queue writes", timeout.Token);
    }

    private static async Task ConsoleLineAsync(OfflineAppHost run, string resource, string text, CancellationToken cancellationToken)
    {
        await foreach (var batch in run.Console(resource).WithCancellation(cancellationToken))
        {
            if (batch.Any(line => line.Content.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }
        }

        throw new InvalidOperationException($"The {resource} console ended without '{text}'.");
    }

    /// <summary>The first line the receiver prints for a delivery it accepted with a valid signature.</summary>
    private static async Task<Match> FirstDeliveryAsync(OfflineAppHost run, CancellationToken cancellationToken)
    {
        await foreach (var batch in run.Console("receiver").WithCancellation(cancellationToken))
        {
            foreach (var line in batch)
            {
                if (DeliveryLine().Match(line.Content) is { Success: true } match)
                {
                    return match;
                }
            }
        }

        throw new InvalidOperationException("The receiver's console ended before a delivery.");
    }

    /// <summary>
    /// The spans of the trace whose <c>jetstream.receive</c> span queued <paramref name="eventId"/>, as the dashboard
    /// shows it, once it holds the delivery too.
    /// </summary>
    private static async Task<IReadOnlyList<DashboardSpan>> TraceOfEventAsync(OfflineAppHost run, HttpClient http, string eventId, CancellationToken cancellationToken)
    {
        IReadOnlyList<DashboardSpan> seen = [];
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            seen = await SpansAsync(run, http, "/api/telemetry/spans?resource=silo-1&resource=silo-2", cancellationToken);
            if (seen.FirstOrDefault(s => s.Name == "jetstream.receive" && s.Attributes.GetValueOrDefault("jetstream.event_id") == eventId) is { } receive)
            {
                var trace = await SpansAsync(run, http, $"/api/telemetry/traces/{receive.TraceId}", cancellationToken);
                if (trace.Any(s => s.Name == "webhook.deliver") && trace.Count >= 3)
                {
                    return trace;
                }

                seen = trace;
            }

            await Task.Delay(1000, cancellationToken);
        }

        throw new TimeoutException($"No whole trace of {eventId} at the dashboard within 90 s; last seen:\n{string.Join('\n', seen.Take(40))}");
    }

    private static async Task<IReadOnlyList<DashboardSpan>> SpansAsync(OfflineAppHost run, HttpClient http, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(run.DashboardUrl, pathAndQuery));
        request.Headers.Add("x-api-key", run.DashboardApiKey);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} from the dashboard's {pathAndQuery}: {body}");
        return DashboardSpan.Read(JsonDocument.Parse(body).RootElement);
    }

    // The receiver's line for an accepted delivery: time, webhook-id, collection, did, signature check, status (after
    // the timestamp Aspire puts in front of each console line).
    [GeneratedRegex(@"\d\d:\d\d:\d\d\.\d{3} (?<id>evt_[0-9a-f]+) (?<collection>\S+) did:\S+ signature=verified status=200$")]
    private static partial Regex DeliveryLine();
}
