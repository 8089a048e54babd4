using Microsoft.DurableTask;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch;

/// <summary>The worker loop of PostgreSQL dispatch: lease the next ready work items up to the concurrency
/// limit and hand them to the <see cref="WorkItemRunner"/>.</summary>
/// <remarks>Wakes on NOTIFY, on an activity finishing, at the next delayed item's time, and on the poll
/// backstop. On shutdown it stops leasing and drains the runner.</remarks>
internal sealed partial class WorkItemDispatcher(
    DurableTaskRegistry registry,
    WorkItemLeases workItemLeases,
    WorkItemQueue queue,
    WorkItemRunner runner,
    WakeSignal wake,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<WorkItemDispatcher> logger) : BackgroundService
{
    private readonly WorkerOptions settings = options.Value;

    /// <summary>A worker that registers no Durable entity leaves entities' batches to a host that does (a Function App on
    /// the same database, say): it would only answer them that the entity is unknown.</summary>
    private readonly string[]? kinds = registry.GetEntities().Any() ? null : [WorkKinds.Activity, WorkKinds.Orchestration, WorkKinds.Timer];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait = await this.LeaseAndStartAsync(stoppingToken);
                if (wait > TimeSpan.Zero)
                {
                    await wake.WaitAsync(wait, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: fall through to drain.
        }

        await runner.DrainAsync();
    }

    /// <summary>Leases what fits and starts it; returns how long to wait before looking again (zero: at once).</summary>
    private async Task<TimeSpan> LeaseAndStartAsync(CancellationToken stoppingToken)
    {
        int free = runner.FreeSlots;
        if (free <= 0)
        {
            runner.WakeOnFreedSlots(true);
            free = runner.FreeSlots; // a slot freed before the setting woke nobody
            if (free <= 0)
            {
                return this.settings.PollInterval;
            }
        }

        try
        {
            IReadOnlyList<WorkItemLease> leases = await workItemLeases.LeaseNextAsync(identity.Id, free, stoppingToken, this.kinds);
            foreach (WorkItemLease lease in leases)
            {
                _ = runner.Start(lease); // tracked by the runner, drained on shutdown
            }

            // A full batch: more is likely ready, so look again at once (under load, that skips the look at the next
            // delayed item). Less than a full batch: nothing else was ready for this worker, so it waits for a ring, a
            // slot it needs, or the next delayed item's time; before, it leased again at once and came here after an
            // empty lease, and every slot freed woke it into another (in the soak, 516 leases a second for 1,000 tasks).
            if (leases.Count >= free)
            {
                return TimeSpan.Zero;
            }

            runner.WakeOnFreedSlots(false);

            // While limited work is held, the next time is a recheck shortly (LimitedWork.RecheckInterval, from the query).
            DateTimeOffset? next = await queue.NextVisibleAtAsync(stoppingToken, this.kinds);

            TimeSpan untilNext = next is { } due ? due - time.GetUtcNow() : this.settings.PollInterval;
            return untilNext < this.settings.PollInterval ? untilNext : this.settings.PollInterval;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogLeaseFailed(logger, exception);
            return this.settings.PollInterval;
        }
    }

    [LoggerMessage(EventId = EventIds.LeasingFailed, Level = LogLevel.Warning, Message = "Leasing work failed; trying again after the poll interval")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);
}
