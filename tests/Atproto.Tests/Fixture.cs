using System.Text.Json;

namespace Jetstream.Atproto.Tests;

/// <summary>Reads the interop fixtures copied next to the tests (Fixtures/interop, see its README).</summary>
internal static class Fixture
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "interop", relative);

    public static JsonElement Json(string relative) => JsonDocument.Parse(File.ReadAllText(PathOf(relative))).RootElement;

    /// <summary>The cases of a syntax file: blank lines and comments dropped, whitespace kept (some cases are about it).</summary>
    public static IEnumerable<string> Lines(string relative) =>
        File.ReadAllLines(PathOf(relative)).Where(line => line.Length > 0 && !line.StartsWith('#'));

    public static byte[] Base64NoPadding(string text) =>
        Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
}
