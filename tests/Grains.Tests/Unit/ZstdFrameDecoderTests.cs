using System.Text;
using Jetstream.Grains.Connection;
using ZstdSharp;

namespace Jetstream.Grains.Tests.Unit;

public sealed class ZstdFrameDecoderTests
{
    private static ZstdDictionaryBytes Legacy => BuiltInDictionaries.Legacy ?? throw new InvalidOperationException("This build has no built-in legacy dictionary (../shared/jetstream missing).");

    [Fact]
    public void The_built_in_dictionaries_carry_the_ids_protocol_md_names()
    {
        Assert.Equal(1612007021u, Legacy.Id);
        Assert.Equal(112_640, Legacy.Bytes.Length);
        Assert.Equal(20260811u, BuiltInDictionaries.SubscribeEvents20260811!.Id);
        Assert.Equal(65_536, BuiltInDictionaries.SubscribeEvents20260811.Bytes.Length);
    }

    [Fact]
    public void A_frame_compressed_with_the_dictionary_decodes_to_its_bytes()
    {
        var plain = Encoding.UTF8.GetBytes("""{"did":"did:plc:abc","time_us":1,"kind":"commit","commit":{"text":"é — ✓"}}""");
        using var decoder = new ZstdFrameDecoder(Legacy, 1024 * 1024);
        Assert.Equal(ZstdDecodeResult.Ok, decoder.Decode(Compress(plain, Legacy.Bytes), out var decoded));
        Assert.Equal(plain, decoded.ToArray());
    }

    [Fact]
    public void A_bomb_is_refused_from_its_header_and_the_decoder_still_works_after()
    {
        using var decoder = new ZstdFrameDecoder(Legacy, 64 * 1024);
        var bomb = Compress(new byte[1024 * 1024], Legacy.Bytes);
        Assert.True(bomb.Length < 1024, "the bomb is small on the wire");
        Assert.True(ZstdFrameHeader.TryRead(bomb, out var header) && header.ContentSize == 1024 * 1024);
        Assert.Equal(ZstdDecodeResult.TooLarge, decoder.Decode(bomb, out _));
        var plain = Encoding.UTF8.GetBytes("""{"ok":true}""");
        Assert.Equal(ZstdDecodeResult.Ok, decoder.Decode(Compress(plain, Legacy.Bytes), out var decoded));
        Assert.Equal(plain, decoded.ToArray());
    }

    [Fact]
    public void Garbage_and_frames_for_another_dictionary_are_not_decoded()
    {
        using var decoder = new ZstdFrameDecoder(Legacy, 64 * 1024);
        Assert.Equal(ZstdDecodeResult.NotZstd, decoder.Decode("{}"u8, out _));
        Assert.Equal(ZstdDecodeResult.OtherDictionary, decoder.Decode(Compress("{}"u8.ToArray(), BuiltInDictionaries.SubscribeEvents20260811!.Bytes), out _));
        var corrupt = Compress(Encoding.UTF8.GetBytes(new string('x', 500) + "y"), Legacy.Bytes);
        corrupt[^3] ^= 0xFF;
        corrupt[^8] ^= 0xFF;
        Assert.Equal(ZstdDecodeResult.Corrupt, decoder.Decode(corrupt, out _));
    }

    internal static byte[] Compress(byte[] plain, byte[] dictionary)
    {
        using var compressor = new Compressor(3);
        compressor.LoadDictionary(dictionary);
        return compressor.Wrap(plain).ToArray();
    }
}
