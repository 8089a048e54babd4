namespace TaskFlow.Api.Admission;

/// <summary>How much new work the API takes on before it asks callers to come back later (configuration section
/// <c>TaskFlow:Admission</c>). Two limits: the backlog of ready work the workers have not taken yet (beyond it, 429),
/// and how many submissions write to PostgreSQL at once, with a bounded queue and wait behind them (beyond them, 503).
/// Both answers carry <c>Retry-After</c>; both change nothing.</summary>
public sealed class AdmissionOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "TaskFlow:Admission";

    /// <summary>Ready work items (due, not taken by a worker) at which submissions are refused with 429 until the
    /// workers catch up. 0 turns the check off.</summary>
    public int MaxReadyBacklog { get; set; } = 50_000;

    /// <summary>How often each API process counts the ready backlog (and so how stale its view may be).</summary>
    public TimeSpan BacklogCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Submissions (single or batch) writing to PostgreSQL at once, per API process; keep it below the
    /// connection pool's size so reads still find connections.</summary>
    public int MaxConcurrentSubmissions { get; set; } = 32;

    /// <summary>Submissions that may wait for one of those slots; one more is refused with 503 at once. About a second of
    /// traffic at 1,000/s, so a hiccup (a checkpoint, a vacuum) is waited out; a 256 queue refused 0.4 % of a
    /// 1,000/s soak in bursts at such moments.</summary>
    public int MaxQueuedSubmissions { get; set; } = 1_000;

    /// <summary>The longest a submission waits for a slot before it is refused with 503.</summary>
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(2);

    internal void Validate()
    {
        string? problem =
            this.MaxReadyBacklog < 0 ? $"{Section}:MaxReadyBacklog must be 0 (off) or more (it is {this.MaxReadyBacklog})."
            : this.BacklogCheckInterval <= TimeSpan.Zero ? $"{Section}:BacklogCheckInterval must be more than zero, e.g. 00:00:01 (it is {this.BacklogCheckInterval})."
            : this.MaxConcurrentSubmissions < 1 ? $"{Section}:MaxConcurrentSubmissions must be at least 1 (it is {this.MaxConcurrentSubmissions})."
            : this.MaxQueuedSubmissions < 0 ? $"{Section}:MaxQueuedSubmissions must be 0 or more (it is {this.MaxQueuedSubmissions})."
            : this.MaxQueueWait <= TimeSpan.Zero ? $"{Section}:MaxQueueWait must be more than zero, e.g. 00:00:02 (it is {this.MaxQueueWait})."
            : null;
        if (problem is not null)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
