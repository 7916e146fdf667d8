namespace Jetstream.Grains.Tests.Unit.Cursor;

/// <summary>
/// Grain state in memory with the one behaviour of storage the checkpoint depends on: a write can be refused, in
/// particular as Orleans refuses a write whose ETag another activation has moved on.
/// </summary>
public sealed class InMemoryProcessorState : IPersistentState<ProcessorState>
{
    /// <summary>What storage holds (a copy taken at each successful write).</summary>
    public CursorPosition? Stored { get; private set; }

    public int Writes { get; private set; }

    public int Reads { get; private set; }

    /// <summary>The next write throws this (once).</summary>
    public Exception? RefuseNext { get; set; }

    /// <summary>Writes wait for this until the test completes it (null: writes complete at once).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public ProcessorState State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists => Stored is not null;

    public Task ClearStateAsync()
    {
        State = new ProcessorState();
        Stored = null;
        return Task.CompletedTask;
    }

    public async Task WriteStateAsync()
    {
        if (Hold is { } hold)
        {
            await hold.Task;
        }

        if (RefuseNext is { } refusal)
        {
            RefuseNext = null;
            throw refusal;
        }

        Writes++;
        Stored = State.GetPosition();
        Etag = Writes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task ReadStateAsync()
    {
        Reads++;
        State = new ProcessorState();
        State.SetPosition(Stored ?? CursorPosition.None);
        return Task.CompletedTask;
    }
}
