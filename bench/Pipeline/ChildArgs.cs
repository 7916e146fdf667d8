using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary><c>key=value</c> arguments of a limit loop started as a child process.</summary>
internal sealed class ChildArgs(string[] args)
{
    private readonly Dictionary<string, string> _values = args
        .Select(a => a.Split('=', 2))
        .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);

    public string this[string key] => _values.TryGetValue(key, out var value) ? value : throw new ArgumentException($"Missing argument {key}=...");

    public int Int(string key) => int.Parse(this[key], CultureInfo.InvariantCulture);

    public double Double(string key) => double.Parse(this[key], CultureInfo.InvariantCulture);
}
