using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// Runs a host's real Program (in this process, one at a time) with a container's environment as its configuration,
/// lets options validation run, and records its routes, listen addresses, bound options and shutdown timeout before
/// anything is started or served. Results are cached per host and environment.
/// </summary>
public static class HostInspector
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static readonly ConcurrentDictionary<string, Lazy<Task<HostModel>>> Cache = new();

    public static Task<HostModel> InspectAsync(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        var key = host.AssemblyName + "\n" + string.Join("\n", environment.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Cache.GetOrAdd(key, _ => new Lazy<Task<HostModel>>(() => RunExclusiveAsync(host, environment))).Value;
    }

    private static async Task<HostModel> RunExclusiveAsync(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        // The hosting events are process-wide: two hosts built at once would be told apart by nothing.
        await Gate.WaitAsync();
        try
        {
            return await Task.Factory.StartNew(() => Run(host, environment), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static HostModel Run(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        var entryPoint = Assembly.Load(host.AssemblyName).EntryPoint
            ?? throw new InvalidOperationException($"{host.AssemblyName} has no entry point.");
        var arguments = new List<string>
        {
            $"--contentRoot={host.FullDirectory}",
            $"--applicationName={host.AssemblyName}",
            "--Logging:LogLevel:Default=Warning",
        };
        arguments.AddRange(ContainerEnvironment.AsArguments(environment, host.FullDirectory));

        var capture = new HostCapture();
        using var observer = new HostingObserver(capture);
        using var subscription = DiagnosticListener.AllListeners.Subscribe(observer);
        string? failure = null;
        var run = Task.Run(() =>
        {
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [arguments.ToArray()]);
                return result is int code && code != 0 ? $"{host.AssemblyName} exited with code {code}." : null;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                return $"{host.AssemblyName} did not start: {ex.InnerException.GetType().Name}: {ex.InnerException.Message}";
            }
        });
        if (!run.Wait(Timeout))
        {
            throw new TimeoutException($"{host.AssemblyName}'s Program did not return within {Timeout.TotalSeconds} s.");
        }

        failure = run.Result;
        if (!capture.Intercepted)
        {
            failure ??= $"{host.AssemblyName}'s Program built no host.";
        }

        var parts = capture.Parts;
        if (parts is null)
        {
            return new HostModel(host.AssemblyName, [], [], new Dictionary<Type, object>(), TimeSpan.Zero, false, [],
                failure ?? $"{host.AssemblyName} never started its server.");
        }

        return new HostModel(host.AssemblyName, parts.Routes, parts.ListenAddresses, parts.Options, parts.ShutdownTimeout, parts.IsSilo,
            parts.ValidationFailures, failure);
    }
}
