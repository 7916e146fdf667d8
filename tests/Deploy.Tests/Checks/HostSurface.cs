using System.Reflection;
using Jetstream.Deploy.Tests.Hosts;
using Jetstream.OrleansHosting;
using Microsoft.Extensions.Configuration;

namespace Jetstream.Deploy.Tests.Checks;

/// <summary>
/// What the deployment checks need to know of a host in a given environment: the routes it answers (null: every path),
/// where it listens, the options classes it reads and what they hold, its shutdown timeout (null: not known) and what
/// its validation rejects.
/// </summary>
public sealed record HostSurface(
    IReadOnlyList<string>? Routes,
    IReadOnlyList<(string Host, int Port)> Listening,
    IReadOnlyDictionary<Type, object> Options,
    IReadOnlyDictionary<string, Type> Sections,
    bool IsSilo,
    TimeSpan? ShutdownTimeout,
    IReadOnlyList<string> Failures)
{
    /// <summary>
    /// Hosts that bind their settings by hand and answer every path themselves, so there is nothing to inspect: the
    /// printing webhook receiver (section Receiver, its own Kestrel listener).
    /// </summary>
    private static readonly Dictionary<string, (string Section, string TypeName)> HandBoundOptions = new(StringComparer.Ordinal)
    {
        ["WebhookReceiver"] = ("Receiver", "Jetstream.WebhookReceiver.ReceiverOptions"),
    };

    public T? Get<T>() where T : class => Options.TryGetValue(typeof(T), out var value) ? (T)value : null;

    /// <summary>The ports this host accepts connections on: HTTP, and the silo and gateway ports of a silo.</summary>
    public IReadOnlyCollection<int> ListenPorts =>
        Listening.Select(l => l.Port)
            .Concat(IsSilo && Get<OrleansHostingOptions>() is { } orleans ? [orleans.SiloPort, orleans.GatewayPort] : [])
            .ToHashSet();

    public static async Task<HostSurface> ForAsync(HostProject host, IReadOnlyDictionary<string, string> environment)
    {
        if (HandBoundOptions.TryGetValue(host.AssemblyName, out var handBound))
        {
            return ForHandBound(host, handBound.Section, handBound.TypeName, environment);
        }

        var model = await HostInspector.InspectAsync(host, environment);
        var failures = model.ValidationFailures.ToList();
        if (model.Failure is { } failure)
        {
            failures.Insert(0, failure);
        }

        return new HostSurface(model.Routes, model.ListenAddresses.Select(ParseAddress).ToList(), model.Options,
            model.Options.Keys.ToDictionary(OptionsSections.SectionOf, t => t, StringComparer.OrdinalIgnoreCase), model.IsSilo, model.ShutdownTimeout, failures);
    }

    private static HostSurface ForHandBound(HostProject host, string section, string typeName, IReadOnlyDictionary<string, string> environment)
    {
        var type = Assembly.Load(host.AssemblyName).GetType(typeName)
            ?? throw new InvalidOperationException($"{host.AssemblyName} has no {typeName}.");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(p => KeyValuePair.Create(ContainerEnvironment.ConfigurationKey(p.Key), (string?)p.Value)))
            .Build();
        var options = Activator.CreateInstance(type)!;
        configuration.GetSection(section).Bind(options);
        var listenHost = (string)type.GetProperty("Host")!.GetValue(options)!;
        var listenPort = (int)type.GetProperty("Port")!.GetValue(options)!;
        return new HostSurface(null, [(listenHost, listenPort)], new Dictionary<Type, object> { [type] = options },
            new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase) { [section] = type }, false, null, []);
    }

    private static (string Host, int Port) ParseAddress(string address)
    {
        // Kestrel's wildcard forms (+, *) are not valid URI hosts: swap them for a placeholder to parse the port.
        var withoutWildcard = address.Replace("://+", "://wildcard", StringComparison.Ordinal).Replace("://*", "://wildcard", StringComparison.Ordinal);
        var uri = new Uri(withoutWildcard);
        return (uri.Host == "wildcard" ? "*" : uri.Host, uri.Port);
    }
}
