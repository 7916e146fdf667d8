using Jetstream.TestSupport;
using Xunit.Abstractions;

namespace Jetstream.WebhookConsumer.Tests;

/// <summary>
/// Issue 12's requirement end to end: what a real receiver gets is what the Jetstream server sent, byte for byte,
/// through a socket that cuts characters between fragments, the real processor grain, storage that gets requests in
/// segments splitting characters, blob offload, and the real consumer.
/// </summary>
public sealed class EndToEndFidelityTests(ITestOutputHelper output)
{
    // Prime, so the segments' boundaries land at every offset within the 9-byte pattern of characters.
    private const int SegmentBytes = 997;

    [Theory]
    [MemberData(nameof(JetstreamWireCase.NamesAndMessageVersions), MemberType = typeof(JetstreamWireCase))]
    public async Task Webhook_bodies_are_the_bytes_the_server_sent(string wireName, int messageVersion)
    {
        var wire = JetstreamWireCase.Get(wireName);
        await using var harness = await ConsumerHarness.CreateAsync(output, "e2e");
        await using var proxy = StorageProxy.Start(await SharedAzurite.GetConnectionStringAsync(), SegmentBytes);
        await using var server = FragmentingWebSocketServer.Start();
        var settings = ProcessorTestCluster.Settings(server.UriFor(wire.PathAndQuery), harness.Clients.Options.Name, "work.doing.*");
        settings["Queue:LargeEventContainer"] = harness.Clients.Options.LargeEventContainer;
        foreach (var (key, value) in wire.ProcessorSettings)
        {
            settings[key] = value;
        }

        settings["Queue:MessageVersion"] = messageVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var cluster = await ProcessorTestCluster.StartAsync(proxy.ConnectionString, settings);
        await server.WaitForClientAsync(TimeSpan.FromSeconds(30));
        await harness.StartConsumerAsync();

        var timeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var sent = Enumerable.Range(0, 30).Select(i => MultiByteEvents.Commit($"did:plc:e2e{i % 7}", ++timeUs, i, 500 + (i * 173)))
            .Concat(Enumerable.Range(0, 3).Select(i => MultiByteEvents.Commit("did:plc:e2elarge", ++timeUs, 100 + i, 200_000 + i)))
            .ToArray();
        foreach (var json in sent)
        {
            var message = wire.EncodeEvent(json);
            await server.SendAsync(message, wire.MessageType, wire.CutsNear(message, 1, message.Length / 2, (64 * 1024) + 1), TimeSpan.FromMilliseconds(1));
        }

        await harness.Receiver.WaitForUniqueAsync(sent.Length, TimeSpan.FromSeconds(90));

        var expected = sent.ToDictionary(json => TestEvents.FromJson(json).EventId);
        Assert.Equal(expected.Keys.Order(), harness.Receiver.Deliveries.Select(d => d.Id).Distinct().Order());
        Assert.All(harness.Receiver.Deliveries, d =>
        {
            var difference = MultiByteEvents.Difference(expected[d.Id], d.Body);
            Assert.True(difference is null, $"{d.Id}: {difference}");
            Assert.True(d.SignatureValid, $"{d.Id}: the signature does not verify");
        });
    }
}
