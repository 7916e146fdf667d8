using System.Collections.Concurrent;
using System.Net;
using Jetstream.WebhookReceiver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jetstream.Bench.Pipeline;

/// <summary>
/// One Kestrel listener for many subscriptions: <c>POST /hook/{id}</c>, signature checked, and each delivered event
/// kept by its <see cref="GeneratedEvents.KeyOf"/> under the path it came to. <c>WebhookReceiverHost</c> does not tell
/// paths apart, and 200 of them would be 200 Kestrel servers in the bench process.
/// </summary>
internal sealed class PathReceiver : IAsyncDisposable
{
    private const string Prefix = "/hook/";

    private readonly WebApplication _app;
    private readonly SignatureVerifier _verifier = new(ScenarioStack.WebhookSecret, TimeSpan.FromMinutes(5));
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, int>> _byPath = new(StringComparer.Ordinal);
    private long _rejected;

    private PathReceiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Requests refused for a missing or wrong signature.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    public static async Task<PathReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new PathReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public Uri UrlFor(string id) => new(BaseUrl, Prefix + id);

    /// <summary>Distinct events delivered so far, over every path.</summary>
    public long Distinct => _byPath.Values.Sum(p => (long)p.Count);

    /// <summary>Each path's delivered events: key, and how many times it came.</summary>
    public IReadOnlyDictionary<string, ConcurrentDictionary<string, int>> ByPath => _byPath;

    public void Reset()
    {
        _byPath.Clear();
        Interlocked.Exchange(ref _rejected, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (!HttpMethods.IsPost(context.Request.Method) || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers;
        if (!_verifier.Verify(headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body.ToArray(), DateTimeOffset.UtcNow))
        {
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var key = GeneratedEvents.KeyOf(body.ToArray()) ?? "(not a commit)";
        _byPath.GetOrAdd(path[Prefix.Length..], _ => new ConcurrentDictionary<string, int>(StringComparer.Ordinal))
            .AddOrUpdate(key, 1, static (_, n) => n + 1);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
