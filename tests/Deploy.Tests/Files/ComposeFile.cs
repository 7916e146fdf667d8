using System.Globalization;
using System.Text.RegularExpressions;

namespace Jetstream.Deploy.Tests.Files;

/// <summary>docker-compose.yml as Docker Compose reads it for a given set of variables (the shell or an --env-file).</summary>
public sealed partial class ComposeFile
{
    private ComposeFile(IReadOnlyList<ComposeService> services)
    {
        Services = services;
    }

    public IReadOnlyList<ComposeService> Services { get; }

    public ComposeService this[string name] => Services.Single(s => s.Name == name);

    /// <summary>Services that run with these profiles active (a service with no profile always runs).</summary>
    public IEnumerable<ComposeService> Active(IReadOnlyCollection<string> profiles) =>
        Services.Where(s => s.Profiles.Count == 0 || s.Profiles.Any(profiles.Contains));

    /// <param name="text">The compose file.</param>
    /// <param name="variables">Interpolation variables.</param>
    /// <param name="directory">Folder the file's relative paths start from.</param>
    public static ComposeFile Parse(string text, IReadOnlyDictionary<string, string> variables, string directory)
    {
        var root = Yaml.ParseMap(Interpolate(text, variables));
        var services = new List<ComposeService>();
        foreach (var (key, node) in root.Map("services") ?? [])
        {
            var name = (string)key;
            var build = node.At("build");
            var envFiles = node.List("env_file")
                .Select(entry => entry as string ?? entry.Str("path") ?? throw new InvalidDataException($"{name}: env_file entry without a path"))
                .ToList();
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var file in envFiles)
            {
                var full = Path.Combine(directory, file);
                if (File.Exists(full))
                {
                    foreach (var (variable, value) in ReadEnvFile(File.ReadAllText(full)))
                    {
                        environment[variable] = value;
                    }
                }
            }

            foreach (var (variable, value) in node.Map("environment").Strings())
            {
                environment[variable] = value;
            }

            services.Add(new ComposeService(
                name,
                node.Str("image"),
                build as string ?? build.Str("context"),
                build.Str("dockerfile") ?? (build is null ? null : "Dockerfile"),
                node.Str("hostname"),
                environment,
                envFiles,
                node.List("ports").OfType<string>().Select(ParsePort).ToList(),
                (node.Map("depends_on") ?? []).ToDictionary(p => (string)p.Key, p => p.Value.Str("condition") ?? "service_started", StringComparer.Ordinal),
                node.List("profiles").OfType<string>().ToList(),
                node.At("healthcheck/test") is List<object?> test ? test.OfType<string>().ToList() : null,
                node.Str("stop_grace_period") is { } grace ? ParseDuration(grace) : null));
        }

        return new ComposeFile(services);
    }

    /// <summary>KEY=VALUE lines, as Compose and <c>--env-file</c> read them; blank lines and # comments skipped.</summary>
    public static IReadOnlyDictionary<string, string> ReadEnvFile(string text) =>
        text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0].Trim(), pair => pair.Length == 2 ? pair[1].Trim() : string.Empty, StringComparer.Ordinal);

    /// <summary>Compose's <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR-default}</c>, <c>${VAR:?error}</c> and <c>$$</c>.</summary>
    public static string Interpolate(string text, IReadOnlyDictionary<string, string> variables) =>
        Variable().Replace(text, match =>
        {
            if (match.Value == "$$")
            {
                return "$";
            }

            var name = match.Groups["name"].Value;
            var op = match.Groups["op"].Value;
            var argument = match.Groups["arg"].Value;
            var found = variables.TryGetValue(name, out var value);
            var unsetOrEmpty = !found || (op.StartsWith(':') && string.IsNullOrEmpty(value));
            return op switch
            {
                ":-" or "-" when unsetOrEmpty => argument,
                ":?" or "?" when unsetOrEmpty => throw new InvalidOperationException($"required variable {name} is missing a value: {argument}"),
                _ => value ?? string.Empty,
            };
        });

    private static (int Host, int Container) ParsePort(string port)
    {
        var parts = port.Split(':');
        return (int.Parse(parts[^2], CultureInfo.InvariantCulture), int.Parse(parts[^1].Split('/')[0], CultureInfo.InvariantCulture));
    }

    private static TimeSpan ParseDuration(string text)
    {
        var match = Duration().Match(text);
        if (!match.Success)
        {
            throw new InvalidDataException($"'{text}' is not a Compose duration.");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "m" => TimeSpan.FromMinutes(value),
            "h" => TimeSpan.FromHours(value),
            _ => TimeSpan.FromSeconds(value),
        };
    }

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^([0-9.]+)(ms|s|m|h)?$")]
    private static partial Regex Duration();
}
