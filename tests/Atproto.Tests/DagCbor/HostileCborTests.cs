using System.Diagnostics;
using Jetstream.Atproto.DagCbor;

namespace Jetstream.Atproto.Tests.DagCbor;

public sealed class HostileCborTests
{
    public static TheoryData<string, byte[], string> Cases() => new()
    {
        { "deep nesting", Enumerable.Repeat((byte)0x81, 100_000).Append((byte)0x01).ToArray(), "nested too deeply" },
        { "deep maps", Enumerable.Range(0, 50_000).SelectMany(_ => new byte[] { 0xA1, 0x61, 0x61 }).Append((byte)0x01).ToArray(), "nested too deeply" },
        { "array of 2^64-1 items", [0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], "" },
        { "array of 2^31-1 items", [0xA1, 0x61, 0x61, 0x9A, 0x7F, 0xFF, 0xFF, 0xFF, 0x01], "" },
        { "map of 2^31-1 entries", [0xBA, 0x7F, 0xFF, 0xFF, 0xFF, 0x61, 0x61], "" },
        { "byte string of 4 GiB", [0xA1, 0x61, 0x61, 0x5A, 0xFF, 0xFF, 0xFF, 0xFF, 0x00], "" },
        { "text string of 2 GiB", [0xA1, 0x61, 0x61, 0x7A, 0x7F, 0xFF, 0xFF, 0xFF, 0x61], "" },
        { "trailing bytes", [0xA1, 0x61, 0x61, 0x01, 0x00], "1 bytes after the value" },
        { "integer map key", [0xA1, 0x01, 0x01], "map keys must be strings" },
        { "float", [0xA1, 0x61, 0x61, 0xFB, 0x40, 0x5E, 0xDD, 0x2F, 0x1A, 0x9F, 0xBE, 0x77], "floats are not allowed" },
        { "tag 43", [0xA1, 0x61, 0x61, 0xD8, 0x2B, 0x41, 0x00], "tag 43 is not allowed" },
        { "unsorted keys", [0xA2, 0x62, 0x62, 0x62, 0x01, 0x61, 0x61, 0x01], "" },
        { "duplicate keys", [0xA2, 0x61, 0x61, 0x01, 0x61, 0x61, 0x01], "" },
        { "non-shortest integer", [0xA1, 0x61, 0x61, 0x18, 0x01], "" },
        { "indefinite-length array", [0xA1, 0x61, 0x61, 0x9F, 0x01, 0xFF], "" },
        { "undefined", [0xA1, 0x61, 0x61, 0xF7], "simple values" },
        { "invalid UTF-8", [0xA1, 0x61, 0x61, 0x62, 0xC3, 0x28], "" },
        { "truncated", [0xA2, 0x61, 0x61, 0x01], "" },
        { "empty", [], "" },
        { "link without the 0x00 prefix", [0xA1, 0x61, 0x61, 0xD8, 0x2A, 0x41, 0x01], "0x00 multibase prefix" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Hostile_cbor_gets_a_clear_error_fast(string name, byte[] cbor, string reason)
    {
        var clock = Stopwatch.StartNew();
        var toJson = Assert.Throws<AtprotoException>(() => DagCborJson.ToJsonUtf8(cbor));
        var validate = Assert.Throws<AtprotoException>(() => DagCborJson.Validate(cbor));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{name} took {clock.Elapsed}");
        Assert.StartsWith("record:", toJson.Message);
        Assert.Contains(reason, toJson.Message);
        Assert.Contains(reason, validate.Message);
    }

    [Fact]
    public void A_value_over_the_size_limit_is_refused_before_it_is_read()
    {
        var error = Assert.Throws<AtprotoException>(() => DagCborJson.Validate(new byte[100], new DagCborLimits { MaxBytes = 10 }));
        Assert.Contains("over the limit of 10", error.Message);
    }
}
