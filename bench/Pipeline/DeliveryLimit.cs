using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// Limit (c): a bare <see cref="HttpClient"/> POST loop to the same receiver with the consumer's concurrency, the same
/// bodies and the same Standard Webhooks headers (so the receiver does the same work), and nothing else. With
/// <c>batch=N</c> above 1 each body is a batch of N events (<c>{"events":[…]}</c>, issue 13), signed once, and
/// <see cref="LimitResult.Events"/> counts the events; <see cref="LimitResult.Messages"/> counts the requests.
/// </summary>
internal static class DeliveryLimit
{
    public const string Command = "limit-delivery";

    public static async Task<int> RunAsync(ChildArgs args)
    {
        var url = new Uri(args["url"]);
        var concurrency = args.Int("concurrency");
        var seconds = args.Double("seconds");
        var key = Convert.FromBase64String(args["secret"]["whsec_".Length..]);
        var batch = args.Int("batch");
        var bodies = Bodies(SampleEvents.Commits(StreamProfile.Named(args["profile"]), 2048).Select(e => e.EventJson).ToArray(), batch);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            UseCookies = false,
        });

        await PostForAsync(client, url, key, bodies, concurrency, TimeSpan.FromSeconds(1), "w");
        var startCpu = LimitResult.ProcessCpuSeconds();
        var clock = Stopwatch.StartNew();
        var (delivered, bytes, errors) = await PostForAsync(client, url, key, bodies, concurrency, TimeSpan.FromSeconds(seconds), "m");
        new LimitResult
        {
            Name = "delivery",
            Seconds = clock.Elapsed.TotalSeconds,
            Events = delivered * batch,
            Messages = delivered,
            Bytes = bytes,
            Errors = errors,
            CpuSeconds = LimitResult.ProcessCpuSeconds() - startCpu,
        }.Print();
        return 0;
    }

    private static async Task<(long Delivered, long Bytes, long Errors)> PostForAsync(
        HttpClient client, Uri url, byte[] key, ReadOnlyMemory<byte>[] bodies, int concurrency, TimeSpan duration, string idPrefix)
    {
        long delivered = 0, bytes = 0, errors = 0, next = -1;
        var contentType = new MediaTypeHeaderValue("application/json");
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var n = Interlocked.Increment(ref next);
                var body = bodies[n % bodies.Length];
                var id = $"evt_limit_{idPrefix}{n}";
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
                request.Content.Headers.ContentType = contentType;
                request.Headers.TryAddWithoutValidation("webhook-id", id);
                request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp);
                request.Headers.TryAddWithoutValidation("webhook-signature", Sign(key, id, timestamp, body.Span));
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref delivered);
                        Interlocked.Add(ref bytes, body.Length);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });
        await Task.WhenAll(workers);
        return (delivered, bytes, errors);
    }

    /// <summary>The events as they are (one per request) or joined into batch bodies of <paramref name="batch"/> events.</summary>
    private static ReadOnlyMemory<byte>[] Bodies(ReadOnlyMemory<byte>[] events, int batch)
    {
        if (batch <= 1)
        {
            return events;
        }

        return [.. events.Chunk(batch).Where(chunk => chunk.Length == batch).Select(chunk =>
        {
            using var body = new MemoryStream();
            body.Write("{\"events\":["u8);
            for (var i = 0; i < chunk.Length; i++)
            {
                if (i > 0)
                {
                    body.WriteByte((byte)',');
                }

                body.Write(chunk[i].Span);
            }

            body.Write("]}"u8);
            return (ReadOnlyMemory<byte>)body.ToArray();
        })];
    }

    private static string Sign(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Encoding.UTF8.GetBytes($"{id}.{timestamp}."));
        hmac.AppendData(body);
        return "v1," + Convert.ToBase64String(hmac.GetHashAndReset());
    }
}
