using System.Text.Json.Serialization;
using TaskFlow.Json;

namespace TaskFlow.Retries;

/// <summary>How often, and how far apart, an activity is attempted.</summary>
/// <remarks>The wait before attempt <c>n + 1</c> is <c>InitialInterval × BackoffCoefficient^(n − 1)</c>, capped
/// at <see cref="MaxInterval"/>, plus up to <see cref="Jitter"/> of itself at random so that many failing
/// tasks do not retry in lock-step. Jitter only ever adds: no retry waits less than its backoff.
/// Crash re-runs count as attempts, so a task that kills its worker still ends.</remarks>
public sealed record RetryPolicy
{
    /// <summary>Attempts in all, the first included (1 means no retry).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait after the first failed attempt.</summary>
    [JsonConverter(typeof(TaskFlowJson.IsoDurationJsonConverter))]
    public TimeSpan InitialInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each further wait is the previous one times this.</summary>
    public double BackoffCoefficient { get; init; } = 2.0;

    /// <summary>No wait is longer than this (before jitter, which never passes it either).</summary>
    [JsonConverter(typeof(TaskFlowJson.IsoDurationJsonConverter))]
    public TimeSpan MaxInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The fraction of a wait, 0 to 1, added at random.</summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>The backoff after <paramref name="failedAttempt"/> failed, before jitter.</summary>
    public TimeSpan BackoffAfter(int failedAttempt)
    {
        double seconds = this.InitialInterval.TotalSeconds * Math.Pow(this.BackoffCoefficient, failedAttempt - 1);
        return seconds >= this.MaxInterval.TotalSeconds ? this.MaxInterval : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The wait after <paramref name="failedAttempt"/> failed: the backoff plus jitter, never over <see cref="MaxInterval"/>.</summary>
    /// <param name="failedAttempt">The attempt that failed, from 1.</param>
    /// <param name="random">A number in [0, 1).</param>
    public TimeSpan DelayAfter(int failedAttempt, double random)
    {
        TimeSpan backoff = this.BackoffAfter(failedAttempt);
        TimeSpan jittered = backoff + (backoff * (this.Jitter * random));
        return jittered > this.MaxInterval ? this.MaxInterval : jittered;
    }
}
