using System.Globalization;
using Jetstream.TestSupport;

namespace Jetstream.Run.Tests;

/// <summary>Free ports for every listener a run starts, so a test run never meets a developer's run or another test.</summary>
internal sealed record Ports(
    int Dashboard, int DashboardOtlp, int Api, int Silo, int Silo2, int Consumer, int Emulator, int Receiver, int Blob, int Queue, int Table,
    int SiloOrleans, int SiloGateway, int Silo2Orleans, int Silo2Gateway)
{
    public static Ports Free() => new(
        FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(),
        FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());

    public IEnumerable<int> All => Environment().Select(e => int.Parse(e.Value, CultureInfo.InvariantCulture));

    /// <summary>The variables run.sh and the AppHost read them from (docs/run.md).</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment()
    {
        yield return Variable("JETSTREAM_DASHBOARD_PORT", Dashboard);
        yield return Variable("JETSTREAM_OTLP_PORT", DashboardOtlp);
        yield return Variable("JETSTREAM_API_PORT", Api);
        yield return Variable("JETSTREAM_SILO_PORT", Silo);
        yield return Variable("JETSTREAM_SILO2_PORT", Silo2);
        yield return Variable("JETSTREAM_CONSUMER_PORT", Consumer);
        yield return Variable("JETSTREAM_EMULATOR_PORT", Emulator);
        yield return Variable("JETSTREAM_RECEIVER_PORT", Receiver);
        yield return Variable("JETSTREAM_AZURITE_BLOB_PORT", Blob);
        yield return Variable("JETSTREAM_AZURITE_QUEUE_PORT", Queue);
        yield return Variable("JETSTREAM_AZURITE_TABLE_PORT", Table);
        yield return Variable("JETSTREAM_SILO_ORLEANS_PORT", SiloOrleans);
        yield return Variable("JETSTREAM_SILO_GATEWAY_PORT", SiloGateway);
        yield return Variable("JETSTREAM_SILO2_ORLEANS_PORT", Silo2Orleans);
        yield return Variable("JETSTREAM_SILO2_GATEWAY_PORT", Silo2Gateway);
    }

    private static KeyValuePair<string, string> Variable(string name, int port) => new(name, port.ToString(CultureInfo.InvariantCulture));
}
