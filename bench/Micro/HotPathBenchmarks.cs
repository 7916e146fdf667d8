using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Jetstream.Emulator;
using Jetstream.Storage;
using Jetstream.Grains.Connection;

namespace Jetstream.Bench.Micro;

/// <summary>
/// ns and bytes allocated per event on the processor's hot path, for the three kinds of frame it sees. Each invocation
/// handles <see cref="FramesPerInvoke"/> different frames (the receive buffer is not counted: it is reused).
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    public const int FramesPerInvoke = 64;

    // The service's default filter (Jetstream:WantedCollections).
    private static readonly string[] Wanted = ["work.doing.*", "blue.2048.*"];

    private byte[][] _identity = [];
    private byte[][] _account = [];
    private byte[][] _nonMatching = [];
    private byte[][] _matching = [];
    private HotPath _path = null!;
    private byte[][] _nonMatchingV1Zstd = [];
    private byte[][] _nonMatchingV2 = [];
    private byte[][] _nonMatchingV2Zstd = [];
    private readonly V1Wire _v1 = new();
    private readonly V2Wire _v2 = new();
    private ZstdFrameDecoder _v1Decoder = null!;
    private ZstdFrameDecoder _v2Decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        _path = new HotPath(Wanted);
        var rest = Generate(new GeneratorProfile { CommitShare = 0 }, 4 * FramesPerInvoke);
        _identity = rest.Where(f => Kind(f) == "identity").Take(FramesPerInvoke).ToArray();
        _account = rest.Where(f => Kind(f) == "account").Take(FramesPerInvoke).ToArray();
        _nonMatching = Generate(new GeneratorProfile { CommitShare = 1, Collections = ["app.bsky.feed.like", "app.bsky.feed.post"] }, FramesPerInvoke);
        _matching = Generate(new GeneratorProfile { CommitShare = 1, Collections = ["blue.2048.game", "work.doing.foo"] }, FramesPerInvoke);
        // The same non-matching commits as each wire would carry them (real dictionaries, the servers' levels 3 and 1).
        _nonMatchingV1Zstd = _nonMatching.Select(f => Compress(f, BuiltInDictionaries.Legacy!, 3)).ToArray();
        _nonMatchingV2 = _nonMatching.Select(Jetstream.TestSupport.WireEncodings.V2Message).ToArray();
        _nonMatchingV2Zstd = _nonMatchingV2.Select(f => Compress(f, BuiltInDictionaries.SubscribeEvents20260811!, 1)).ToArray();
        _v1Decoder = new ZstdFrameDecoder(BuiltInDictionaries.Legacy!, 4 * 1024 * 1024);
        _v2Decoder = new ZstdFrameDecoder(BuiltInDictionaries.SubscribeEvents20260811!, 4 * 1024 * 1024);
        if (_identity.Length < FramesPerInvoke || _account.Length < FramesPerInvoke)
        {
            throw new InvalidOperationException("The generator gave too few identity or account events.");
        }
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "skipped identity event")]
    public int Identity() => HandleAll(_identity, skipped: true);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "skipped account event")]
    public int Account() => HandleAll(_account, skipped: true);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "non-matching commit")]
    public int NonMatchingCommit() => HandleAll(_nonMatching, skipped: true);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "non-matching commit, v1 read by the connection")]
    public int NonMatchingV1Read() => ReadAll(_nonMatching, _v1, null);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "non-matching commit, v1 zstd")]
    public int NonMatchingV1Zstd() => ReadAll(_nonMatchingV1Zstd, _v1, _v1Decoder);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "non-matching commit, v2 converted")]
    public int NonMatchingV2() => ReadAll(_nonMatchingV2, _v2, null);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "non-matching commit, v2 zstd converted")]
    public int NonMatchingV2Zstd() => ReadAll(_nonMatchingV2Zstd, _v2, _v2Decoder);

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "matching commit (queued, 64 per message)")]
    public int MatchingCommit()
    {
        var handled = HandleAll(_matching, skipped: false);
        return handled + _path.EncodeBatch().ToMemory().Length;
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke, Description = "matching commit (queued, 64 per message, version 2)")]
    public int MatchingCommitCompressed()
    {
        var handled = HandleAll(_matching, skipped: false);
        return handled + _path.EncodeBatch(QueueMessageCodec.CompressedVersion).ToMemory().Length;
    }

    private int ReadAll(byte[][] messages, IJetstreamWire wire, ZstdFrameDecoder? decoder)
    {
        var handled = 0;
        foreach (var message in messages)
        {
            if (_path.ReadAndHandleSkipped(message, wire, decoder))
            {
                handled++;
            }
        }

        return handled;
    }

    private static byte[] Compress(byte[] plain, ZstdDictionaryBytes dictionary, int level)
    {
        using var compressor = new ZstdSharp.Compressor(level);
        compressor.LoadDictionary(dictionary.Bytes);
        return compressor.Wrap(plain).ToArray();
    }

    private int HandleAll(byte[][] frames, bool skipped)
    {
        var handled = 0;
        foreach (var frame in frames)
        {
            if (skipped ? _path.HandleSkipped(frame) : _path.HandleMatching(frame))
            {
                handled++;
            }
        }

        return handled;
    }

    private static byte[][] Generate(GeneratorProfile profile, int count)
    {
        var generator = new EventGenerator(7, profile);
        return Enumerable.Range(0, count).Select(_ => generator.NextUtf8()).ToArray();
    }

    private static string? Kind(byte[] frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.GetProperty("kind").GetString();
    }
}
