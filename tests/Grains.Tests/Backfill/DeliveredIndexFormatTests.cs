using System.Text;
using Jetstream.Atproto.Cids;
using Jetstream.Grains.Backfill;

namespace Jetstream.Grains.Tests.Backfill;

/// <summary>The repair index's binary form: what is written reads back the same, and anything else is a clear error.</summary>
public sealed class DeliveredIndexFormatTests
{
    [Fact]
    public async Task Records_round_trip_in_key_order_with_long_rkeys_and_both_kinds_of_CID()
    {
        var longRkey = new string('z', 400) + "a.b-c_d:e~f" + new string('9', 101);
        // The tree's order: "a.b.c/" before "a.b/" before "a.bc/" ('.' < '/' < 'c'), "a.b-x/" first of all ('-' < '.').
        var records = new[]
        {
            Record("a.b-x", "self", 1),
            Record("a.b.c", "3k000000000aa", 2),
            Record("a.b.c", "3k000000000ab", 3, Cid.RawCodec),
            Record("a.b", "3k", 4),
            Record("a.b", "3k000000000aa", 5),
            Record("a.b", "3k000000001", 6),
            Record("a.b", longRkey, 7, Cid.RawCodec),
            Record("a.bc", "~", 8),
        };
        Assert.Equal(512, longRkey.Length);

        var read = await DecodeAsync(Encode(records));

        Assert.Equal(records, read);
        Assert.Equal(Cid.RawCodec, read[2].Cid.Codec);
        Assert.Equal(Cid.DagCborCodec, read[1].Cid.Codec);
    }

    [Fact]
    public async Task An_index_larger_than_the_read_window_streams_through_a_stream_giving_a_byte_at_a_time()
    {
        var records = Enumerable.Range(0, 6_000).Select(i => Record(i < 3_000 ? "app.bsky.feed.like" : "app.bsky.feed.post", Tid(i), i)).ToArray();
        var bytes = Encode(records);
        Assert.True(bytes.Length > 64 * 1024 * 2);

        Assert.Equal(records, await DecodeAsync(bytes, trickle: true));
    }

    [Fact]
    public void A_record_with_a_TID_rkey_costs_at_most_50_bytes()
    {
        var records = Enumerable.Range(0, 10_000).Select(i => Record("app.bsky.feed.post", Tid(i), i)).ToArray();

        var perRecord = (double)Encode(records).Length / records.Length;

        Assert.InRange(perRecord, 36, 50);
    }

    [Fact]
    public async Task Every_cut_short_index_is_a_clear_error_naming_where_it_is()
    {
        var bytes = Encode([Record("a.b", "3k1", 1), Record("a.b", "3k2", 2), Record("a.c", "self", 3)]);
        for (var length = 0; length < bytes.Length; length++)
        {
            var error = await Assert.ThrowsAsync<DeliveredIndexException>(() => DecodeAsync(bytes[..length]));
            Assert.Contains("The repair index in blob 'sub/did:plc:x' cannot be read", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Another_version_bytes_after_the_end_out_of_order_and_a_bad_CID_are_clear_errors()
    {
        var bytes = Encode([Record("a.b", "3k1", 1), Record("a.b", "3k2", 2)]);

        var version = (byte[])bytes.Clone();
        version[0] = 2;
        Assert.Contains("version is 2", (await Assert.ThrowsAsync<DeliveredIndexException>(() => DecodeAsync(version))).Message, StringComparison.Ordinal);
        Assert.Contains("follow its end", (await Assert.ThrowsAsync<DeliveredIndexException>(() => DecodeAsync([.. bytes, 0]))).Message, StringComparison.Ordinal);

        // 0x01 | 3 "a.b" | 3 0 "3k1" CID(36) | 1 2 "2" CID(36) | 0 | 0: the second record's new character is at 48.
        const int second = 48;
        Assert.Equal((byte)'2', bytes[second]);
        var unordered = (byte[])bytes.Clone();
        unordered[second] = (byte)'0';
        Assert.Contains("not in key order", (await Assert.ThrowsAsync<DeliveredIndexException>(() => DecodeAsync(unordered))).Message, StringComparison.Ordinal);

        var badCid = (byte[])bytes.Clone();
        badCid[second + 2] = 0x70; // the codec byte of the second record's CID
        Assert.Contains("codec 0x70", (await Assert.ThrowsAsync<DeliveredIndexException>(() => DecodeAsync(badCid))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_encoder_refuses_non_ASCII_and_out_of_order_records()
    {
        using var encoder = new DeliveredIndexEncoder();
        Assert.Throws<ArgumentException>(() => encoder.Add(Record("a.b", "caf\u00e9", 1)));
        Assert.Throws<ArgumentException>(() => encoder.Add(Record("a.b", new string('a', 513), 1)));
        encoder.Add(Record("a.b", "3k2", 1));
        Assert.Throws<InvalidOperationException>(() => encoder.Add(Record("a.b", "3k1", 2)));
        Assert.Throws<InvalidOperationException>(() => encoder.Add(Record("a.b.c", "3k3", 3)));
    }

    internal static DeliveredRecord Record(string collection, string rkey, int version, byte codec = Cid.DagCborCodec) =>
        new(collection, rkey, Cid.Compute(codec, Encoding.UTF8.GetBytes($"{collection}/{rkey}#{version}")));

    /// <summary>
    /// The TID of the <paramref name="i"/>th record of a repository written one record every 37 seconds from 2024 (a
    /// timestamp in µs, then a 10-bit clock id, in 13 base32-sortable characters), as a real repository's rkeys are.
    /// </summary>
    internal static string Tid(long i)
    {
        const string alphabet = "234567abcdefghijklmnopqrstuvwxyz";
        var value = ((1_704_067_200_000_000L + (i * 37_000_000)) << 10) | (i % 1024);
        var chars = new char[13];
        for (var p = 12; p >= 0; p--)
        {
            chars[p] = alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }

    private static byte[] Encode(IEnumerable<DeliveredRecord> records)
    {
        using var encoder = new DeliveredIndexEncoder();
        foreach (var record in records)
        {
            encoder.Add(record);
        }

        encoder.Finish();
        return encoder.Buffered.ToArray();
    }

    private static async Task<List<DeliveredRecord>> DecodeAsync(byte[] bytes, bool trickle = false)
    {
        using var decoder = new DeliveredIndexDecoder(trickle ? new TrickleStream(bytes) : new MemoryStream(bytes), "blob 'sub/did:plc:x'");
        return await decoder.ReadAsync(CancellationToken.None).ToListAsync();
    }

    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
