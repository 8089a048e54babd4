namespace TaskFlow.Bench;

/// <summary>What one scenario measured.</summary>
internal sealed record ScenarioResult(
    string Scenario,
    int Tasks,
    double ThroughputPerSecond,
    double? EnqueuePerSecond,
    IReadOnlyList<double> ToStartMs,
    IReadOnlyList<double> ToCompleteMs,
    double PeakRssMb,
    double WalBytesPerTask,
    double RowsPerTask,
    string Notes)
{
    public double P(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        double[] sorted = [.. values.Order()];
        int index = (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    /// <summary>One machine-readable line per scenario. Latency is submit to completion, except for
    /// idle-latency, whose point is submit to start.</summary>
    public string MachineLine()
    {
        IReadOnlyList<double> latency = this.Scenario == "idle-latency" ? this.ToStartMs : this.ToCompleteMs;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"scenario={this.Scenario} throughput_per_s={this.ThroughputPerSecond:F0} p50_ms={this.P(latency, 50):F1} p99_ms={this.P(latency, 99):F1} peak_rss_mb={this.PeakRssMb:F0}");
    }
}
