namespace TaskFlow.Workers;

/// <summary>How a worker process leases and runs work (configuration section <c>TaskFlow:Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Worker";

    /// <summary>Activities this process runs at once. Successes waiting to be committed in a batch do not count, up to
    /// as many again.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>How often the worker's heartbeat is written (for operators: a worker missing three is shown as lost).
    /// Leases do not depend on it (see <c>TaskFlow:Lease</c>).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The backstop poll when no NOTIFY arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, how long running activities may finish before the rest are released.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    internal void Validate()
    {
        if (this.Concurrency < 1)
        {
            throw new InvalidOperationException($"{Section}:Concurrency must be at least 1 (it is {this.Concurrency}).");
        }

        if (this.HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:HeartbeatInterval must be more than zero (it is {this.HeartbeatInterval}).");
        }
    }
}
