using System.Globalization;

namespace Jetstream.Bench.Pipeline;

/// <summary>The line bench/Micro prints per benchmark: <c>MICRO|case|ns|bytes</c>.</summary>
internal static class MicroResultLine
{
    public const string Marker = "MICRO|";

    public static MicroResult Parse(string line)
    {
        var parts = line.Split('|');
        return new MicroResult(parts[1], double.Parse(parts[2], CultureInfo.InvariantCulture), double.Parse(parts[3], CultureInfo.InvariantCulture));
    }
}
