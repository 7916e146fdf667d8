using System.Globalization;
using System.Text.Json;

namespace Jetstream.Bench.Pipeline;

/// <summary>The emulator process's control API: feed rate, one-off publishes and counters.</summary>
internal sealed class EmulatorControl(Uri baseUri) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };

    public Uri SubscribeUri { get; } = new UriBuilder(baseUri) { Scheme = "ws", Path = "/subscribe" }.Uri;

    /// <summary>The subscribe URL with the processor's collection filter.</summary>
    public Uri FilteredSubscribeUri => new(SubscribeUri + "?" + string.Join('&', StreamProfile.Wanted.Select(c => "wantedCollections=" + c)));

    public async Task SetRateAsync(double eventsPerSecond)
    {
        var value = double.IsPositiveInfinity(eventsPerSecond) ? "Infinity" : eventsPerSecond.ToString(CultureInfo.InvariantCulture);
        using var response = await _http.PostAsync($"/control/rate?eventsPerSecond={value}", null);
        response.EnsureSuccessStatusCode();
    }

    public async Task PublishAsync(int count)
    {
        using var response = await _http.PostAsync($"/control/publish?count={count}", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Events published and sent so far, and open connections.</summary>
    public async Task<(long Published, long Sent, int Connections)> StatsAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/control/stats"));
        var root = document.RootElement;
        return (root.GetProperty("published").GetInt64(), root.GetProperty("sent").GetInt64(), root.GetProperty("activeConnections").GetInt32());
    }

    public async Task<bool> IsUpAsync()
    {
        try
        {
            using var response = await _http.GetAsync("/health");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
