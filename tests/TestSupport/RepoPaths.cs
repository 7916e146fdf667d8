namespace Jetstream.TestSupport;

/// <summary>Locations tests read from: the repository root and the shared reference folder beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    /// <summary><c>../shared</c> relative to the repository (where CI keeps it), or <c>JETSTREAM_SHARED</c>.</summary>
    public static string Shared =>
        Environment.GetEnvironmentVariable("JETSTREAM_SHARED") is { Length: > 0 } fromEnv
            ? fromEnv
            : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string SampleEvents => Path.Combine(Shared, "jetstream", "sample-events.jsonl");

    public static string Capture152 => Path.Combine(Shared, "jetstream", "capture-152.jsonl");

    /// <summary>Azurite's entry point from the repository's npm install.</summary>
    public static string AzuriteBin => Path.Combine(Root, "node_modules", "azurite", "dist", "src", "azurite.js");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Jetstream.Orleans.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Jetstream.Orleans.sln not found above {AppContext.BaseDirectory}.");
    }
}
