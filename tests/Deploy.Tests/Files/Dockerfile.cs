using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Jetstream.Deploy.Tests.Files;

/// <summary>A Dockerfile parsed far enough to check it: stages, COPY, RUN, and the final stage's settings.</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        Path = path;
        Instructions = instructions;
    }

    /// <summary>Repository-relative path, e.g. <c>Silo/Dockerfile</c>.</summary>
    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerInstruction> Stages => Instructions.Where(i => i.Keyword == "FROM").ToList();

    /// <summary>Instructions after the last FROM: what the image that runs is made of.</summary>
    public IReadOnlyList<DockerInstruction> FinalStage => Instructions.SkipWhile((_, i) => i < LastIndexOf("FROM")).ToList();

    public IReadOnlyDictionary<string, string> Environment =>
        FinalStage.Where(i => i.Keyword == "ENV")
            .SelectMany(i => Words(i.Arguments))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : string.Empty, StringComparer.Ordinal);

    public IReadOnlyList<int> ExposedPorts =>
        FinalStage.Where(i => i.Keyword == "EXPOSE")
            .SelectMany(i => Words(i.Arguments))
            .Select(port => int.Parse(port.Split('/')[0], CultureInfo.InvariantCulture))
            .ToList();

    public string? User => FinalStage.LastOrDefault(i => i.Keyword == "USER")?.Arguments;

    /// <summary>The HEALTHCHECK command in exec form, or null.</summary>
    public IReadOnlyList<string>? HealthCheck =>
        FinalStage.LastOrDefault(i => i.Keyword == "HEALTHCHECK") is { } check && HealthCmd().Match(check.Arguments) is { Success: true } match
            ? JsonSerializer.Deserialize<string[]>(match.Groups[1].Value)
            : null;

    public IReadOnlyList<string>? Entrypoint =>
        FinalStage.LastOrDefault(i => i.Keyword == "ENTRYPOINT") is { } entry ? JsonSerializer.Deserialize<string[]>(entry.Arguments) : null;

    public static Dockerfile Parse(string path, string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1].TrimEnd() + " " + lines[++i].Trim();
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new DockerInstruction(line.ToUpperInvariant(), string.Empty, start + 1)
                : new DockerInstruction(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim(), start + 1));
        }

        return new Dockerfile(path, instructions);
    }

    /// <summary>A COPY's flags, sources and destination.</summary>
    public static (IReadOnlyList<string> Flags, IReadOnlyList<string> Sources, string Destination) Copy(DockerInstruction copy)
    {
        var words = Words(copy.Arguments).ToList();
        var flags = words.TakeWhile(w => w.StartsWith("--", StringComparison.Ordinal)).ToList();
        var rest = words.Skip(flags.Count).ToList();
        return (flags, rest.Take(rest.Count - 1).ToList(), rest[^1]);
    }

    public int IndexOf(DockerInstruction instruction) => Instructions.ToList().IndexOf(instruction);

    private int LastIndexOf(string keyword) => Instructions.ToList().FindLastIndex(i => i.Keyword == keyword);

    private static IEnumerable<string> Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"\bCMD\s+(\[.*\])\s*$")]
    private static partial Regex HealthCmd();
}
