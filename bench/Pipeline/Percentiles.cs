namespace Jetstream.Bench.Pipeline;

/// <summary>Nearest-rank percentiles of a set of samples (milliseconds in this benchmark); all NaN when there are none.</summary>
internal sealed record Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    private double[] _sorted = [];

    /// <summary>Samples above <paramref name="bound"/>.</summary>
    public int Above(double bound) => _sorted.Count(x => x > bound);

    public static Percentiles Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        double At(double quantile) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        return new Percentiles(sorted.Length, At(0.50), At(0.95), At(0.99), sorted[^1]) { _sorted = sorted };
    }
}
