using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Jetstream.Atproto;
using Jetstream.Atproto.Repo;

namespace Jetstream.Grains.Backfill.Network;

/// <summary>A verified <see cref="RepoSnapshot"/> as the backfill reads it: records of the filter in key order, as atproto JSON.</summary>
internal sealed class AtprotoRepositoryReader(RepoSnapshot snapshot) : IRepositoryReader
{
    public string Rev => snapshot.Rev.Value;

    public long BytesRead => snapshot.CarBytes;

    public async IAsyncEnumerable<RepositoryRecord> ReadRecordsAsync(Interfaces.Events.CollectionFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        await using var records = snapshot.ReadRecordsAsync(CollectionFilter.Parse(filter.Patterns), cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            RepositoryRecord next;
            try
            {
                if (!await records.MoveNextAsync())
                {
                    yield break;
                }

                var record = records.Current;
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
                {
                    record.WriteJson(writer);
                }

                next = new RepositoryRecord(record.Collection.Value, record.RecordKey.Value, record.Cid.ToString(), buffer.WrittenSpan.ToArray());
            }
            catch (AtprotoException ex)
            {
                // A tree or record that breaks the rules part-way: the repository fails and the caller delivers none of it.
                throw new RepositoryFetchException(RepositoryProblem.Invalid, ex.Message, inner: ex);
            }

            yield return next;
        }
    }

    public ValueTask DisposeAsync()
    {
        snapshot.Dispose();
        return ValueTask.CompletedTask;
    }
}
