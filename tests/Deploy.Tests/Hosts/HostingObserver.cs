using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// Hooks into a host as it is built through the events the hosting library publishes for tools (the way
/// WebApplicationFactory and <c>dotnet ef</c> reach an app's Program). The events are process-wide, so only a host
/// built on the inspecting thread is touched: another test's host built meanwhile is left alone.
/// </summary>
internal sealed class HostingObserver(HostCapture capture) : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly int _threadId = Environment.CurrentManagedThreadId;
    private readonly List<IDisposable> _subscriptions = [];

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "Microsoft.Extensions.Hosting")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "HostBuilding" && value.Value is IHostBuilder builder && Environment.CurrentManagedThreadId == _threadId)
        {
            builder.ConfigureServices((_, services) => capture.Intercept(services));
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
            _subscriptions.Clear();
        }
    }
}
