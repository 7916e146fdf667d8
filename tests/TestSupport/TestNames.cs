namespace Jetstream.TestSupport;

/// <summary>Unique, Azure-valid names so tests sharing one storage account never see each other's data.</summary>
public static class TestNames
{
    /// <summary>Lowercase letters, digits and hyphens: valid for queues and containers (≤ 56 characters).</summary>
    public static string Queue(string prefix) => $"{Clean(prefix)}-{Guid.NewGuid():N}"[..Math.Min(40, Clean(prefix).Length + 33)];

    /// <summary>Letters and digits only: valid for tables.</summary>
    public static string Table(string prefix) => $"{new string(prefix.Where(char.IsAsciiLetterOrDigit).ToArray())}{Guid.NewGuid():N}"[..30];

    /// <summary>An NSID no other test writes (<c>org.jetstream.test.{prefix}{hex}</c>), for records on a shared PDS.</summary>
    public static string Collection(string prefix)
    {
        // The last NSID segment starts with a letter and holds letters and digits only.
        var letters = new string(prefix.Where(char.IsAsciiLetter).Take(20).ToArray());
        return $"org.jetstream.test.{(letters.Length > 0 ? letters : "c")}{Guid.NewGuid():N}";
    }

    private static string Clean(string prefix) => new(prefix.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').Take(20).ToArray());
}
