using System.Diagnostics.Metrics;

namespace TaskFlow.Telemetry;

/// <summary>TaskFlow's metrics (meter <c>TaskFlow</c>), recorded where the store's writes commit. Exported to Prometheus
/// by the hosts as <c>taskflow_…</c> (dots become underscores, counters end in <c>_total</c>, seconds in <c>_seconds</c>);
/// the names are listed in docs/operations.md and used by ops/grafana and ops/prometheus.</summary>
internal static class TaskFlowMetrics
{
    public const string MeterName = "TaskFlow";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Tasks accepted, by type (<c>taskflow_tasks_submitted_total</c>).</summary>
    public static readonly Counter<long> Submitted = Meter.CreateCounter<long>("taskflow.tasks.submitted", "{task}", "Tasks accepted, by type");

    /// <summary>First attempts of single-activity tasks and first episodes of orchestrations, by type.</summary>
    public static readonly Counter<long> Started = Meter.CreateCounter<long>("taskflow.tasks.started", "{task}", "Tasks that began running, by type");

    public static readonly Counter<long> Succeeded = Meter.CreateCounter<long>("taskflow.tasks.succeeded", "{task}", "Tasks that ended succeeded, by type");

    /// <summary>Failed attempts of single-activity tasks, whether retried or not.</summary>
    public static readonly Counter<long> Failed = Meter.CreateCounter<long>("taskflow.tasks.failed", "{attempt}", "Failed attempts, by type");

    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("taskflow.tasks.retried", "{attempt}", "Failed attempts that will be retried, by type");

    /// <summary>Tasks that ended failed (into the dead-letter view), orchestrations included.</summary>
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("taskflow.tasks.dead_lettered", "{task}", "Tasks that ended failed, by type");

    public static readonly Counter<long> Cancelled = Meter.CreateCounter<long>("taskflow.tasks.cancelled", "{task}", "Tasks cancelled by a caller");

    /// <summary>Submit to end, for tasks that ended (succeeded or failed), by type.</summary>
    public static readonly Histogram<double> TaskDuration = Meter.CreateHistogram<double>("taskflow.task.duration", "s", "Tasks' time from submit to end, by type");

    public static readonly Histogram<double> ActivityDuration = Meter.CreateHistogram<double>("taskflow.activity.duration", "s", "Activity attempts' run time, by activity");

    public static readonly Counter<long> LeaseRescues = Meter.CreateCounter<long>("taskflow.lease.rescues", "{lease}", "Expired leases handed on");

    public static readonly Counter<long> Episodes = Meter.CreateCounter<long>("taskflow.orchestration.episodes", "{episode}", "Orchestration episodes committed");

    /// <summary>Messages Durable entities' batches read (operations, lock requests and releases), by entity name.</summary>
    public static readonly Counter<long> EntityMessages = Meter.CreateCounter<long>("taskflow.entity.messages", "{message}", "Messages Durable entities read, by entity name");

    /// <summary>Schedule slots by outcome: fired, skipped (overlap), buffered, missed.</summary>
    public static readonly Counter<long> ScheduleSlots = Meter.CreateCounter<long>("taskflow.schedule.slots", "{slot}", "Schedule slots, by outcome");

    /// <summary>Submissions the API refused to take on, by reason: backlog (429: the workers are behind) or busy (503: no
    /// slot to write to PostgreSQL in time).</summary>
    public static readonly Counter<long> SubmissionsRefused = Meter.CreateCounter<long>("taskflow.submissions.refused", "{request}", "Submissions refused by admission control, by reason");

    /// <summary>Bucket bounds for the duration histograms: 5 ms to 1 hour.</summary>
    public static double[] SecondsBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

    public static KeyValuePair<string, object?> Type(string type) => new("type", type);

    private static Func<QueueSnapshot?> latest = () => null;

    static TaskFlowMetrics()
    {
        Meter.CreateObservableGauge("taskflow.tasks.ready", () => Read(q => q.Ready), "{task}", "Work items ready to run");
        Meter.CreateObservableGauge("taskflow.tasks.scheduled", () => Read(q => q.Scheduled), "{task}", "Work items waiting for their time (delay, backoff, timer)");
        Meter.CreateObservableGauge("taskflow.tasks.running", () => Read(q => q.Running), "{task}", "Work items leased by a worker");
        Meter.CreateObservableGauge("taskflow.queue.oldest_ready_age", () => Read(q => q.OldestReadyAgeSeconds), "s", "How long the oldest ready work item has waited");
        Meter.CreateObservableGauge("taskflow.workers.alive", () => Read(q => q.WorkersAlive), "{worker}", "Workers that heartbeat recently");
        Meter.CreateObservableGauge("taskflow.entities.queued", () => Read(q => q.EntityMessagesQueued), "{message}", "Messages waiting for Durable entities (unread, or queued behind a lock)");
        Meter.CreateObservableGauge("taskflow.limit.running", () => ReadLimits(l => l.Running), "{task}", "Slots in use, by limit (activity:<name> or tag:<tag>)");
        Meter.CreateObservableGauge("taskflow.limit.waiting", () => ReadLimits(l => l.Waiting), "{task}", "Work ready and waiting for its limit, by limit");
    }

    private static IEnumerable<Measurement<long>> ReadLimits(Func<LimitGauge, long> pick) =>
        latest() is { } snapshot ? snapshot.Limits.Select(l => new Measurement<long>(pick(l), new KeyValuePair<string, object?>("limit", l.Limit))) : [];

    // A process that takes no snapshot (a worker-only one) reports no value rather than a zero that would read as "empty".
    private static IEnumerable<Measurement<T>> Read<T>(Func<QueueSnapshot, T> pick)
        where T : struct => latest() is { } snapshot ? [new Measurement<T>(pick(snapshot))] : [];

    /// <summary>Where the queue gauges read from: the last <see cref="QueueSnapshot"/> (the host refreshes it every few seconds).</summary>
    public static void ObserveQueue(Func<QueueSnapshot?> snapshot) => latest = snapshot;
}

/// <summary>The queue and the workers at one moment.</summary>
internal sealed record QueueSnapshot(long Ready, long Scheduled, long Running, double OldestReadyAgeSeconds, long WorkersAlive, long EntityMessagesQueued)
{
    /// <summary>Each limit's slots in use and work waiting.</summary>
    public IReadOnlyList<LimitGauge> Limits { get; init; } = [];
}

/// <summary>One limit's use, summed over its keys.</summary>
internal sealed record LimitGauge(string Limit, long Running, long Waiting);
