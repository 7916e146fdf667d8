namespace Jetstream.Storage;

/// <summary>
/// A storage resource's create call (a table, queue or container that must exist before its first use) run once per
/// process: the first caller creates, callers meanwhile wait for it, later calls return at once, and a create that
/// failed is tried again by the next caller (storage gone for a minute must not leave the resource never created).
/// </summary>
public sealed class CreateOnce(Func<CancellationToken, Task> create)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _created;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!_created)
            {
                await create(cancellationToken);
                _created = true;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The resource was deleted: the next caller creates it again.</summary>
    public void Reset() => _created = false;
}
