using TaskFlow.Leases;

namespace TaskFlow.Provider;

/// <summary>How a <see cref="TaskFlowOrchestrationService"/> reaches the store and how much work it takes on.</summary>
public sealed class TaskFlowOrchestrationServiceSettings
{
    /// <summary>The PostgreSQL connection string (the database the TaskFlow server uses, to share its work).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Orchestration episodes this process runs at once.</summary>
    public int MaxConcurrentOrchestrations { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>Activities this process runs at once.</summary>
    public int MaxConcurrentActivities { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>Durable entities' batches this process runs at once (Durable's <c>maxConcurrentEntityFunctions</c>).</summary>
    public int MaxConcurrentEntities { get; init; } = 10 * Environment.ProcessorCount;

    /// <summary>The most operations one entity batch runs (Durable's <c>maxEntityOperationBatchSize</c>); the rest
    /// wait for the next batch.</summary>
    public int MaxEntityOperationBatchSize { get; init; } = 5000;

    /// <summary>The leases locks are (a lock is a lease on a work item): how long one lasts unless renewed, a process
    /// that dies holding one delaying that work by about that long, and how often expired ones are handed on.</summary>
    public LeaseOptions Lease { get; init; } = new();

    /// <summary>The longest a dispatcher waits between looks at the store when no notification woke it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Extended sessions (Durable's <c>extendedSessionsEnabled</c>): after an episode that leaves its
    /// orchestration waiting, the dispatcher keeps the orchestration's replayed state and waits for its next events, and
    /// the next episode this process runs for it reads only the new events from the store, not the whole history, and
    /// does not replay from the start. Costs a dispatcher slot per idle session (the dispatcher allows sessions half its
    /// slots).</summary>
    public bool ExtendedSessionsEnabled { get; init; }

    /// <summary>How long an extended session waits for its orchestration's next events before it ends.</summary>
    public TimeSpan ExtendedSessionIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Raises errors for settings out of range, naming the setting.</summary>
    public void Validate()
    {
        Check(this.MaxConcurrentOrchestrations >= 1, nameof(this.MaxConcurrentOrchestrations), "at least 1");
        Check(this.MaxConcurrentActivities >= 1, nameof(this.MaxConcurrentActivities), "at least 1");
        Check(this.MaxConcurrentEntities >= 1, nameof(this.MaxConcurrentEntities), "at least 1");
        Check(this.MaxEntityOperationBatchSize >= 1, nameof(this.MaxEntityOperationBatchSize), "at least 1");
        Check(this.PollInterval > TimeSpan.Zero && this.PollInterval <= TimeSpan.FromMinutes(1), nameof(this.PollInterval), "between zero and a minute");
        Check(this.ExtendedSessionIdleTimeout >= TimeSpan.Zero && this.ExtendedSessionIdleTimeout <= TimeSpan.FromHours(1), nameof(this.ExtendedSessionIdleTimeout), "between zero and an hour");
        Check(!string.IsNullOrWhiteSpace(this.ConnectionString), nameof(this.ConnectionString), "set");
        this.Lease.Validate();
    }

    private static void Check(bool valid, string setting, string expected)
    {
        if (!valid)
        {
            throw new ArgumentException($"TaskFlow's orchestration service setting {setting} must be {expected}.", setting);
        }
    }
}
