using System.Diagnostics;
using Jetstream.ServiceDefaults;
using Jetstream.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Jetstream.Run.Tests;

/// <summary>
/// Issue 20: every host makes spans only when they go somewhere (<see cref="TraceExport"/>, in AddServiceDefaults).
/// A tracer registered with no exporter listened to the hosts' sources, so each event, webhook request and storage
/// call made an Activity that was dropped. TraceTests checks the webhook request still carries the event's trace.
/// </summary>
public sealed class TraceExportTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData(" ", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Traces_are_exported_only_with_an_OTLP_endpoint(string? endpoint, bool exported)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [TraceExport.EndpointSetting] = endpoint }).Build();

        Assert.Equal(exported, TraceExport.IsConfigured(configuration));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_host_listens_to_its_sources_only_when_traces_are_exported(bool exported)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        // Nothing listens at the endpoint: the export fails quietly, the spans are made.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TraceExport.EndpointSetting] = exported ? $"http://127.0.0.1:{FreePort.Next()}" : null,
        });
        builder.AddServiceDefaults();
        await using var app = builder.Build();
        await app.StartAsync();

        // A source name of this test alone under the application's wildcard: no other test's listener takes it.
        using var source = new ActivitySource($"Jetstream.TraceExportProbe{Guid.NewGuid():N}");
        using var activity = source.StartActivity("probe");

        Assert.Equal(exported, app.Services.GetService<TracerProvider>() is not null);
        Assert.Equal(exported, source.HasListeners());
        Assert.Equal(exported, activity is not null);
        await app.StopAsync();
    }
}
