namespace Jetstream.Deploy.Tests;

internal static class Problems
{
    /// <summary>Fails with every problem on its own line, so a red test says what to fix.</summary>
    public static void AssertNone(IReadOnlyList<string> problems) =>
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n" + string.Join("\n", problems));
}
