namespace Portal.Bench;

/// <summary>Latency summary of one query shape, in milliseconds (nearest-rank percentiles).</summary>
internal sealed record Stats(string Query, int Count, double Median, double P95, double P99, double Max, double Mean)
{
    public static Stats Of(string query, double[] samples)
    {
        var sorted = samples.Order().ToArray();
        return new Stats(query, sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.95), Rank(sorted, 0.99), sorted[^1], sorted.Average());
    }

    /// <summary>The middle value (of an even count, the lower middle).</summary>
    public static double MedianOf(IEnumerable<double> samples) => Rank([.. samples.Order()], 0.50);

    private static double Rank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
