using System.Diagnostics;
using Jetstream.Atproto.Car;
using Jetstream.Atproto.Cids;

namespace Jetstream.Atproto.Tests.Car;

public sealed class CarTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("car-tests-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData(0, true)]
    [InlineData(100_000, true)]
    [InlineData(1024 * 1024, false)]
    public async Task Blocks_written_come_back_by_cid_from_memory_or_past_the_limit_a_temp_file_deleted_on_dispose(int memoryBytes, bool onDisk)
    {
        // 100 blocks of 1 to 9,901 bytes, about 500 KB: kept in memory under the default limit, spilled part-way past 100 KB.
        var blocks = Enumerable.Range(0, 100).Select(i => Block(new byte[i * 100 + 1].Select((_, j) => (byte)(i + j)).ToArray())).ToList();
        var car = await Write([blocks[0].Cid], blocks);
        using (var spooled = await SpooledCar.ReadAsync(new MemoryStream(car), Options() with { MemoryBytes = memoryBytes }))
        {
            Assert.Equal([blocks[0].Cid], spooled.Roots);
            Assert.Equal(100, spooled.BlockCount);
            Assert.Equal(car.Length, spooled.TotalBytes);
            Assert.Equal(onDisk, spooled.OnDisk);
            foreach (var (cid, bytes) in blocks.AsEnumerable().Reverse())
            {
                Assert.Equal(bytes, spooled.GetBlock(cid));
            }
            Assert.Equal(onDisk ? 1 : 0, Directory.GetFiles(_temp).Length);
            var missing = Assert.Throws<AtprotoException>(() => spooled.GetBlock(Cid.Compute(Cid.RawCodec, "other"u8)));
            Assert.Contains("missing block b", missing.Message);
        }
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public async Task A_repeated_block_is_kept_once_and_two_cids_of_one_digest_are_told_apart()
    {
        // Raw and dag-cbor CIDs of the same bytes share their digest, so the index's key: the spool's copy of the CID
        // tells them apart.
        var raw = Cid.Compute(Cid.RawCodec, "same"u8);
        var dagCbor = Cid.Compute(Cid.DagCborCodec, "same"u8);
        var other = Block("other"u8.ToArray());
        var car = await Write([dagCbor], [(raw, "same"u8.ToArray()), other, (raw, "same"u8.ToArray()), (dagCbor, "same"u8.ToArray()), other]);
        using var spooled = await SpooledCar.ReadAsync(new MemoryStream(car), Options());
        Assert.Equal(3, spooled.BlockCount);
        Assert.Equal("same"u8.ToArray(), spooled.GetBlock(raw));
        Assert.Equal("same"u8.ToArray(), spooled.GetBlock(dagCbor));
        Assert.Equal(other.Bytes, spooled.GetBlock(other.Cid));
        Assert.False(spooled.Contains(Cid.Compute(Cid.RawCodec, "absent"u8)));
    }

    [Fact]
    public void Limits_past_what_the_block_index_holds_are_refused_naming_the_setting()
    {
        Assert.Contains("MaxBlockBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new CarReadOptions { MaxBlockBytes = 16 * 1024 * 1024 }.Validate()).Message);
        Assert.Contains("MaxTotalBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new CarReadOptions { MaxTotalBytes = 1L << 41 }.Validate()).Message);
    }

    [Fact]
    public async Task A_block_that_does_not_hash_to_its_cid_is_named_when_read()
    {
        var (cid, bytes) = Block("real"u8.ToArray());
        var car = await Write([cid], [(cid, "fake"u8.ToArray())]);
        using (var spooled = await SpooledCar.ReadAsync(new MemoryStream(car), Options()))
        {
            var error = Assert.Throws<AtprotoException>(() => spooled.GetBlock(cid));
            Assert.Equal($"CAR block {cid} does not hash to its CID: the CAR is corrupt or forged", error.Message);
            Assert.Equal(0, spooled.BlocksRead);
        }

        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public async Task A_car_cut_off_anywhere_is_reported_truncated_fast()
    {
        var blocks = Enumerable.Range(0, 5).Select(i => Block(new byte[50 + i])).ToList();
        var car = await Write([blocks[0].Cid], blocks);
        var clock = Stopwatch.StartNew();
        var cuts = 0;
        for (var length = 0; length < car.Length; length++)
        {
            var error = await Record.ExceptionAsync(async () =>
            {
                // A cut exactly between sections is a shorter valid CAR (a repository read notices the missing
                // blocks): dispose it, so its spool file goes too.
                using var shorter = await SpooledCar.ReadAsync(new MemoryStream(car[..length]), Options());
            });
            if (error is null)
            {
                continue;
            }
            Assert.IsType<AtprotoException>(error);
            Assert.Contains("truncated", error.Message);
            cuts++;
        }
        Assert.True(cuts >= car.Length - blocks.Count - 1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{car.Length} cuts took {clock.Elapsed}");
        Assert.Empty(Directory.GetFiles(_temp));
    }

    [Fact]
    public async Task A_block_over_the_limit_is_refused_before_it_is_read()
    {
        var big = Block(new byte[10_000]);
        var car = await Write([big.Cid], [big]);
        var error = await Assert.ThrowsAsync<AtprotoException>(() =>
            SpooledCar.ReadAsync(new MemoryStream(car), Options() with { MaxBlockBytes = 1000 }));
        Assert.Contains("a block of 10000 bytes is over the limit of 1000 (MaxBlockBytes)", error.Message);
    }

    [Fact]
    public async Task A_car_over_the_total_limit_is_refused()
    {
        var blocks = Enumerable.Range(0, 20).Select(i => Block(new byte[1000 + i])).ToList();
        var car = await Write([blocks[0].Cid], blocks);
        var error = await Assert.ThrowsAsync<AtprotoException>(() =>
            SpooledCar.ReadAsync(new MemoryStream(car), Options() with { MaxTotalBytes = 5000 }));
        Assert.Contains("larger than the limit of 5000 bytes (MaxTotalBytes)", error.Message);
    }

    [Fact]
    public async Task A_section_claiming_a_huge_length_is_refused_without_allocating_it()
    {
        // header, then a section length of 2^62: refused as over the block limit, nothing allocated.
        var header = await Write([Block([1]).Cid], []);
        var car = header.Concat(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40 }).ToArray();
        var error = await Assert.ThrowsAsync<AtprotoException>(() => SpooledCar.ReadAsync(new MemoryStream(car), Options()));
        Assert.Contains("over the limit", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { }, "truncated")]
    [InlineData(new byte[] { 0x00 }, "not a CAR v1")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "not a CAR v1")]
    [InlineData(new byte[] { 0x05, 0xA1, 0x61, 0x61 }, "truncated")]
    [InlineData(new byte[] { 0x03, 0xA1, 0x61, 0x61 }, "CAR header: unknown key")]
    [InlineData(new byte[] { 0x04, 0xA1, 0x61, 0x61, 0x01 }, "unknown key")]
    [InlineData(new byte[] { 0x0A, 0xA1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6F, 0x6E, 0x02 }, "version 2 is not supported")]
    public async Task A_bad_header_gets_a_clear_error(byte[] car, string reason)
    {
        var error = await Assert.ThrowsAsync<AtprotoException>(() => SpooledCar.ReadAsync(new MemoryStream(car), Options()));
        Assert.Contains(reason, error.Message);
    }

    private CarReadOptions Options() => new() { TempDirectory = _temp };

    private static (Cid Cid, byte[] Bytes) Block(byte[] bytes)
    {
        Random.Shared.NextBytes(bytes);
        return (Cid.Compute(Cid.RawCodec, bytes), bytes);
    }

    private static async Task<byte[]> Write(IReadOnlyList<Cid> roots, IEnumerable<(Cid Cid, byte[] Bytes)> blocks)
    {
        using var stream = new MemoryStream();
        var writer = await CarWriter.StartAsync(stream, roots);
        foreach (var (cid, bytes) in blocks)
        {
            await writer.WriteBlockAsync(cid, bytes);
        }
        return stream.ToArray();
    }
}
