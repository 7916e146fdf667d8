using System.Diagnostics;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>
/// The requests the Azure SDK sends to the table endpoint of one connection string, seen through its <c>Azure.Core</c>
/// diagnostic listener (the request activity carries the method and the URL, its query's values redacted; a
/// transaction's is <c>/$batch</c>).
/// </summary>
internal sealed class TableRequests : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly string _endpoint;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly List<string> _urls = [];
    private readonly List<Activity> _inFlight = [];

    public TableRequests(string connectionString)
    {
        _endpoint = connectionString.Split(';').Select(p => p.Split('=', 2)).Single(kv => kv[0] == "TableEndpoint")[1].TrimEnd('/');
        _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
    }

    /// <summary>The most requests to the endpoint that were in flight at once (counted as each starts).</summary>
    public int MostInFlight { get; private set; }

    public int Matching(string part)
    {
        lock (_urls)
        {
            return _urls.Count(url => url.Contains(part, StringComparison.Ordinal));
        }
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "Azure.Core")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "Azure.Core.Http.Request.Start" && Activity.Current?.GetTagItem("http.url") is string url
            && url.StartsWith(_endpoint, StringComparison.Ordinal))
        {
            lock (_urls)
            {
                _urls.Add(Activity.Current.GetTagItem("http.method") + " " + Uri.UnescapeDataString(url));
                _inFlight.RemoveAll(a => a.IsStopped);
                _inFlight.Add(Activity.Current);
                MostInFlight = Math.Max(MostInFlight, _inFlight.Count);
            }
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
