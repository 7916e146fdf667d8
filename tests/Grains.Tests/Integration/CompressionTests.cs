using Azure.Storage.Blobs;
using Jetstream.Emulator;
using Jetstream.Grains.Connection;
using Jetstream.Grains.Tests.Unit;
using Jetstream.TestSupport;

namespace Jetstream.Grains.Tests.Integration;

/// <summary>Dictionaries (fetched, stored, refetched when the server rotates) and bad compressed frames, over real sockets.</summary>
public sealed class CompressionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_rotated_v2_dictionary_is_refetched_once_stored_and_used()
    {
        await using var scenario = await IngestionScenario.StartAsync("dict", endpoint: e => e.SubscribeEventsUri);
        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Compression == "zstd (dictionary 20260811)", Timeout, "zstd with the current dictionary");

        // The server moves to another dictionary: our next connection names the old one and is refused.
        scenario.Emulator.Options.V2DictionaryId = BuiltInDictionaries.LegacyId;
        scenario.Emulator.DropAllConnections();

        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()) is { Connected: true, Compression: "zstd (dictionary 1612007021)" }, Timeout, "connected with the refetched dictionary");
        Assert.Contains(scenario.Emulator.RequestedUrls, u => u.Contains("zstdDictionary=20260811", StringComparison.Ordinal));
        Assert.Contains("zstdDictionary=1612007021", scenario.Emulator.RequestedUrls[^1]);
        Assert.Single(scenario.Emulator.RequestedUrls.SkipWhile(u => !u.Contains("zstdDictionary=1612007021", StringComparison.Ordinal)));
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 61, count: 500));
        var expected = scenario.ExpectedCommits();
        IngestionTests.AssertExactlyOnce(expected, await scenario.DrainQueueAsync(expected.Count, Timeout));

        // Kept in storage, so a restart does not depend on the fetch.
        var blob = new BlobContainerClient(scenario.Storage, StoredZstdDictionaries.ContainerName).GetBlobClient(scenario.Emulator.BaseUri.Authority.Replace(':', '_') + ".zdict");
        var stored = ZstdDictionaryBytes.TryCreate((await blob.DownloadContentAsync()).Value.Content.ToArray(), "test");
        Assert.Equal(BuiltInDictionaries.LegacyId, stored?.Id);
    }

    [Fact]
    public async Task A_dictionary_refused_again_after_the_refetch_is_dropped_for_an_uncompressed_connection_that_says_so()
    {
        // subscribeEvents accepts only the legacy id while getZstdDictionary keeps serving 20260811: a refetch cannot help.
        await using var scenario = await IngestionScenario.StartAsync(
            "dict-none", new EmulatorOptions { V2DictionaryId = BuiltInDictionaries.LegacyId, GetZstdDictionaryId = BuiltInDictionaries.SubscribeEvents20260811Id }, endpoint: e => e.SubscribeEventsUri);

        await Eventually.HoldsAsync(async () => (await scenario.Processor.GetStatus()).Connected, Timeout, "connected");
        var status = await scenario.Processor.GetStatus();
        Assert.StartsWith("none: ", status.Compression);
        Assert.Contains("UnknownZstdDictionary", status.Compression);
        // Two refused handshakes (the stored or fetched dictionary, then the refetched one), each re-read as a plain GET for its error name.
        Assert.Equal(4, scenario.Emulator.RequestedUrls.Count(u => u.Contains("zstdDictionary=20260811", StringComparison.Ordinal)));
        Assert.DoesNotContain("zstdDictionary", scenario.Emulator.RequestedUrls[^1]);
        Assert.Equal("none", Assert.Single(scenario.Emulator.Connections).Compression);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 64, count: 300));
        var expected = scenario.ExpectedCommits();
        IngestionTests.AssertExactlyOnce(expected, await scenario.DrainQueueAsync(expected.Count, Timeout));
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task A_decompression_bomb_and_an_undecodable_frame_are_counted_and_skipped_on_the_same_connection(string wire)
    {
        await using var scenario = await IngestionScenario.StartAsync($"bomb-{wire}", endpoint: e => wire == "v1" ? e.SubscribeUri : e.SubscribeEventsUri);
        var dictionary = (wire == "v1" ? BuiltInDictionaries.Legacy : BuiltInDictionaries.SubscribeEvents20260811)!.Bytes;
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 62, count: 200));

        // 64 MiB of zeros: a few hundred bytes on the wire, sixteen times Jetstream:MaxFrameBytes once decoded.
        var bomb = ZstdFrameDecoderTests.Compress(new byte[64 * 1024 * 1024], dictionary);
        scenario.Emulator.PublishRawFrame(bomb, binary: true, wire);
        var corrupt = ZstdFrameDecoderTests.Compress(System.Text.Encoding.UTF8.GetBytes(new string('x', 400) + "!"), dictionary);
        corrupt[^3] ^= 0xFF;
        corrupt[^8] ^= 0xFF;
        scenario.Emulator.PublishRawFrame(corrupt, binary: true, wire);
        scenario.Emulator.PublishMany(IngestionScenario.MixedEvents(seed: 63, count: 200));
        var expected = scenario.ExpectedCommits();

        IngestionTests.AssertExactlyOnce(expected, await scenario.DrainQueueAsync(expected.Count, Timeout));
        var stats = await scenario.Processor.GetStats();
        Assert.Equal(1, stats.OversizeFrames);
        Assert.Equal(1, stats.ParseErrors);
        Assert.Equal(1, scenario.Emulator.ConnectionsAccepted);
        Assert.True((await scenario.Processor.GetStatus()).Connected);
        Assert.True(bomb.Length < 10_000, $"the bomb is {bomb.Length} bytes on the wire");
    }
}
