namespace Jetstream.Grains.Processing;

/// <summary>
/// At most one checkpoint write in flight, and at most one more after it however many were requested meanwhile
/// (Chirper's pattern), so frequent checkpoints never queue up behind slow storage.
/// </summary>
public sealed class CoalescingCheckpoint(Func<Task<bool>> write)
{
    private Task _current = Task.CompletedTask;
    private bool _again;

    /// <summary>The write in flight, or a completed task.</summary>
    public Task Current => _current;

    public void Request()
    {
        if (!_current.IsCompleted)
        {
            _again = true;
            return;
        }

        _current = LoopAsync();
    }

    private async Task LoopAsync()
    {
        do
        {
            _again = false;
            if (!await write())
            {
                // Storage failed: the next request (timer or progress) tries again.
                return;
            }
        }
        while (_again);
    }
}
