namespace Jetstream.TestSupport;

public static class Eventually
{
    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails the test with <paramref name="what"/> on timeout.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for: {what}");
            }

            await Task.Delay(100);
        }
    }
}
