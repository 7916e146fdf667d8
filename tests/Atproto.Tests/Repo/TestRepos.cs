using Jetstream.Atproto.Crypto;
using Jetstream.Atproto.Repo;
using Jetstream.Atproto.Syntax;

namespace Jetstream.Atproto.Tests.Repo;

/// <summary>Repositories built and signed as a PDS does, for the read tests.</summary>
internal static class TestRepos
{
    public static readonly Did Alice = Did.Parse("did:plc:ewvi7nxzyoun6zhxrhs64oiz");
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Record keys are TIDs a second apart, as a PDS makes them, so each collection's keys share a long prefix.</summary>
    public static string RecordKeyOf(int i) => Tid.FromTime(Start.AddSeconds(i)).Value;

    public static string PostJson(string collection, int i) =>
        $$"""{"$type":"{{collection}}","text":"post {{i}}: héllo wörld ✨ 日本語 😀","createdAt":"2026-01-01T00:00:00.000Z","n":{{i}}}""";

    public static RepoBuilder Builder(AtprotoPrivateKey key, params (string Collection, int Count)[] collections)
    {
        var builder = new RepoBuilder(Alice, key);
        foreach (var (collection, count) in collections)
        {
            for (var i = 0; i < count; i++)
            {
                builder.AddJson(collection, RecordKeyOf(i), PostJson(collection, i));
            }
        }
        return builder;
    }

    public static Tid Rev { get; } = Tid.FromTime(Start.AddDays(1));

    public static async Task<RepoSnapshot> ReadAsync(BuiltRepo repo) =>
        await RepoSnapshot.ReadAsync(new MemoryStream(await repo.ToCarBytesAsync()));

    public static async Task<List<RepoRecord>> RecordsAsync(RepoSnapshot snapshot, params string[] filter)
    {
        var records = new List<RepoRecord>();
        await foreach (var record in snapshot.ReadRecordsAsync(CollectionFilter.Parse(filter)))
        {
            records.Add(record);
        }
        return records;
    }
}
