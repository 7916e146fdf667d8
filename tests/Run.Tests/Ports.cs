using Jetstream.TestSupport;

namespace Jetstream.Run.Tests;

/// <summary>Free ports for every listener run.sh starts, so a test run never meets a developer's run or another test.</summary>
internal sealed record Ports(int Api, int Silo, int Consumer, int Emulator, int Receiver, int Blob, int Queue, int Table, int OrleansSilo, int OrleansGateway)
{
    public static Ports Free() => new(
        FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(),
        FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());

    public IEnumerable<int> All => [Api, Silo, Consumer, Emulator, Receiver, Blob, Queue, Table, OrleansSilo, OrleansGateway];

    /// <summary>The variables run.sh reads them from.</summary>
    public IEnumerable<KeyValuePair<string, string>> Environment()
    {
        yield return new("JETSTREAM_API_PORT", Api.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_SILO_PORT", Silo.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_CONSUMER_PORT", Consumer.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_EMULATOR_PORT", Emulator.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_RECEIVER_PORT", Receiver.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_AZURITE_BLOB_PORT", Blob.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_AZURITE_QUEUE_PORT", Queue.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("JETSTREAM_AZURITE_TABLE_PORT", Table.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("Orleans__SiloPort", OrleansSilo.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("Orleans__GatewayPort", OrleansGateway.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
