namespace TaskFlow.Workers;

/// <summary>How a worker process leases and runs work (configuration section <c>TaskFlow:Worker</c>).</summary>
public sealed class WorkerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Worker";

    /// <summary>Activities this process runs at once.</summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>How long a lease lasts without renewal. Short, so a dead worker's work moves on quickly.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often held leases are renewed (and the worker's heartbeat written); well under the lease.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The backstop poll when no NOTIFY arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often expired leases are looked for.</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>On shutdown, how long running activities may finish before the rest are released.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);

    internal void Validate()
    {
        if (this.Concurrency < 1)
        {
            throw new InvalidOperationException($"{Section}:Concurrency must be at least 1 (it is {this.Concurrency}).");
        }

        if (this.HeartbeatInterval >= this.LeaseDuration)
        {
            throw new InvalidOperationException(
                $"{Section}:HeartbeatInterval ({this.HeartbeatInterval}) must be shorter than {Section}:LeaseDuration ({this.LeaseDuration}), or leases lapse between renewals.");
        }
    }
}
