namespace Jetstream.Bench.Pipeline;

/// <summary>Waits used while hosts start; free ports and the listening probe are <see cref="Jetstream.TestSupport.FreePort"/>, linked from tests/TestSupport.</summary>
internal static class Ports
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws with <paramref name="what"/> and the process's output otherwise.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, ChildProcess? process = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (process is { HasExited: true } || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{what} did not happen within {timeout.TotalSeconds:F0} s." +
                    (process is null ? "" : $" {process.Name} output:\n{process.Tail()}"));
            }

            await Task.Delay(100);
        }
    }
}
