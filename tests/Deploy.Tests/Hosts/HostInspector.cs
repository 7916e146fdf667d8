using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Jetstream.Deploy.Tests.Hosts;

/// <summary>
/// Runs a host's real Program (in this process, on a thread of its own) with a container's environment as its configuration,
/// lets options validation run, and records its routes, listen addresses, bound options and shutdown timeout before
/// anything is started or served. Results are cached per host and environment.
/// </summary>
public static class HostInspector
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, Lazy<Task<HostModel>>> Cache = new();

    public static Task<HostModel> InspectAsync(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        var key = host.AssemblyName + "\n" + string.Join("\n", environment.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return Cache.GetOrAdd(key, _ => new Lazy<Task<HostModel>>(() => RunOnOwnThreadAsync(host, environment))).Value;
    }

    /// <summary>
    /// Program blocks its thread in app.Run() until the host stops: a thread of its own keeps that wait off the thread
    /// pool, which the host's own async work needs, and tells its hosting events apart from other tests' hosts.
    /// </summary>
    private static async Task<HostModel> RunOnOwnThreadAsync(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        var done = new TaskCompletionSource<HostModel>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Run(host, environment));
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "Program of " + host.AssemblyName,
        };
        thread.Start();
        return await done.Task.WaitAsync(Timeout);
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
        string? failure;
        try
        {
            var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [arguments.ToArray()]);
            failure = result is int code && code != 0 ? $"{host.AssemblyName} exited with code {code}." : null;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            failure = $"{host.AssemblyName} did not start: {ex.InnerException.GetType().Name}: {ex.InnerException.Message}";
        }

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
