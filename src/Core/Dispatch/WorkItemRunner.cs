using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Telemetry;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch;

/// <summary>Does leased work items, whichever signal led to the lease: runs an activity (with its timeout
/// and cancellation), runs an orchestration episode or an entity's batch, or fires a timer; every outcome is committed fenced
/// by the lease.</summary>
/// <remarks>On shutdown the dispatchers stop leasing and call <see cref="DrainAsync"/>: running activities
/// may finish within the grace period, the rest are released without counting their attempt.</remarks>
internal sealed partial class WorkItemRunner(
    WorkItemLeases leases,
    WorkItemQueue queue,
    ActivityRegistry activities,
    OrchestrationRunner orchestrations,
    EntityBatchRunner entities,
    CompletionBatcher completions,
    RunningWorkItems running,
    WakeSignal wake,
    WorkerIdentity identity,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<WorkItemRunner> logger)
{
    private const int MinPruneInFlightAt = 64;
    private readonly WorkerOptions settings = options.Value;
    private readonly List<Task> inFlight = [];
    private int pruneInFlightAt = MinPruneInFlightAt;
    private volatile bool draining;

    /// <summary>Successes handed to the <see cref="CompletionBatcher"/> and not yet committed.</summary>
    private int committing;

    /// <summary>1 while a freed slot should wake the dispatchers (<see cref="WakeOnFreedSlots"/>).</summary>
    private int wakeOnFreedSlots = 1;

    /// <summary>Slots free for more work under the concurrency limit. A success waiting for its batch's commit has
    /// stopped running, so its slot is free: the next lease overlaps that commit rather than waiting for it. Up to as
    /// many again may wait, so a commit that falls behind holds leasing back.</summary>
    public int FreeSlots => Math.Min(
        this.settings.Concurrency - (running.Count - Volatile.Read(ref this.committing)),
        2 * this.settings.Concurrency - running.Count);

    /// <summary>Whether work that ends, or a success handed to its batch, wakes the dispatchers to lease into its slot.
    /// Yes while ready work waited for a slot; no once a lease found less ready than it had room for: a slot freed then
    /// leads only to an empty lease and a look at the next delayed item (in the soak, a lease and a half and a look for
    /// every task). Work that becomes ready wakes them by its own ring.</summary>
    /// <remarks>Set with a full fence before the caller reads <see cref="FreeSlots"/> again, and read after the slot is
    /// freed: either the caller sees the slot, or the slot's owner sees the setting and wakes it.</remarks>
    public void WakeOnFreedSlots(bool wake) => Interlocked.Exchange(ref this.wakeOnFreedSlots, wake ? 1 : 0);

    /// <summary>Starts the work in the background; the returned task ends once it is done: true when its
    /// outcome was recorded (or deliberately discarded), false when it could not be saved and the lease will
    /// expire.</summary>
    public Task<bool> Start(WorkItemLease lease)
    {
        var activity = new RunningWorkItem(lease);
        running.Add(activity);
        Task<bool> run = Task.Run(() => this.RunAsync(activity));
        lock (this.inFlight)
        {
            // Pruned when it has doubled since the last pruning, not at every start: a walk of every task in flight
            // at each start was 2.5 % of a draining worker's CPU, with 512 to 1,024 of them.
            if (this.inFlight.Count >= this.pruneInFlightAt)
            {
                this.inFlight.RemoveAll(task => task.IsCompleted);
                this.pruneInFlightAt = Math.Max(MinPruneInFlightAt, 2 * this.inFlight.Count);
            }

            this.inFlight.Add(run);
        }

        return run;
    }

    private async Task<bool> RunAsync(RunningWorkItem activity)
    {
        WorkItemLease lease = activity.Lease;

        // Every line logged about this work (the activity's own included) carries which task, instance, activity and attempt.
        using IDisposable? scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["TaskId"] = lease.InstanceId, ["InstanceId"] = lease.InstanceId, ["Activity"] = lease.Name, ["Attempt"] = lease.Attempt, ["WorkKind"] = lease.Kind,
        });
        using ITimer? timeout = lease.Timeout is { } limit
            ? time.CreateTimer(_ => activity.Stop(WorkStopReason.TimedOut), null, limit, Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            switch (lease.Kind)
            {
                case WorkKinds.Orchestration:
                    using (TaskFlowTracing.StartWork($"taskflow.episode {lease.Name}", lease.TraceParent, lease.InstanceId, lease.Attempt))
                    {
                        await orchestrations.RunEpisodeAsync(lease, CancellationToken.None, this.RunHere);
                    }

                    break;
                case WorkKinds.Entity:
                    using (TaskFlowTracing.StartWork($"taskflow.entity {lease.Name}", lease.TraceParent, lease.InstanceId, lease.Attempt))
                    {
                        await entities.RunBatchAsync(lease, CancellationToken.None);
                    }

                    break;
                case WorkKinds.Timer:
                    await queue.FireTimerAsync(lease, CancellationToken.None);
                    break;
                default:
                    if (!lease.IsOrchestrationActivity && lease.Attempt == 1)
                    {
                        TaskFlowMetrics.Started.Add(1, TaskFlowMetrics.Type(lease.Name));
                    }

                    using (System.Diagnostics.Activity? span = TaskFlowTracing.StartWork($"taskflow.activity {lease.Name}", lease.TraceParent, lease.InstanceId, lease.Attempt))
                    {
                        long began = time.GetTimestamp();
                        (string? output, FailureDetails? failure) = await this.InvokeAsync(activity);
                        TaskFlowMetrics.ActivityDuration.Record(time.GetElapsedTime(began).TotalSeconds, new KeyValuePair<string, object?>("activity", lease.Name));
                        span?.SetStatus(failure is null ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error, failure?.Message);
                        await this.CommitAsync(activity, output, failure);
                    }

                    break;
            }

            return true;
        }
        catch (Exception exception)
        {
            // The outcome could not be saved (database unreachable): the lease will expire and the
            // rescuer will count this attempt as failed, so nothing is lost.
            LogCommitFailed(logger, lease.InstanceId, lease.Attempt, exception);
            return false;
        }
        finally
        {
            running.Remove(activity);
            activity.Dispose();
            this.SlotFreed();
        }
    }

    private async Task<(string? Output, FailureDetails? Failure)> InvokeAsync(RunningWorkItem activity)
    {
        WorkItemLease lease = activity.Lease;
        if (!activities.Contains(lease.Name))
        {
            return (null, new FailureDetails(
                "TaskFlow.UnknownActivity",
                $"No activity named '{lease.Name}' is registered in worker '{identity.Id}'. Registered: {string.Join(", ", activities.Names.Order())}."));
        }

        try
        {
            var context = new TaskFlowActivityContext(lease.Name, lease.InstanceId, lease.TaskId, lease.Attempt, activity.Token);
            return (await activities.RunAsync(context, lease.InputJson), null);
        }
        catch (Exception exception) when (activity.StopReason == WorkStopReason.TimedOut)
        {
            return (null, new FailureDetails(
                "TaskFlow.ActivityTimedOut",
                $"Activity '{lease.Name}' did not finish within its timeout of {lease.Timeout}.",
                exception.StackTrace));
        }
        catch (Exception exception) when (activity.StopReason == WorkStopReason.None)
        {
            return (null, FailureDetails.From(exception));
        }
        catch (Exception) when (activity.StopReason is WorkStopReason.Cancelled or WorkStopReason.LeaseLost or WorkStopReason.ShuttingDown)
        {
            // Stopped from outside: CommitAsync discards or releases it by the stop reason.
            return (null, null);
        }
    }

    private async Task CommitAsync(RunningWorkItem activity, string? output, FailureDetails? failure)
    {
        WorkItemLease lease = activity.Lease;
        switch (activity.StopReason)
        {
            case WorkStopReason.Cancelled or WorkStopReason.LeaseLost:
                LogDiscarded(logger, lease.InstanceId, lease.Attempt, activity.StopReason);
                return;
            case WorkStopReason.ShuttingDown:
                await leases.ReleaseAsync(lease, CancellationToken.None);
                return;
        }

        // An orchestration's activity continues its orchestration here when this worker ran the episode that scheduled it.
        bool committed = failure is null
            ? (lease.IsOrchestrationActivity ? await orchestrations.TryContinueAsync(lease, output, this.RunHere) : null)
                ?? await this.CompleteAsync(lease, output)
            : await queue.RecordFailedAttemptAsync(lease, failure, identity.Id, onlyIfExpired: false, Random.Shared.NextDouble(), CancellationToken.None);
        if (!committed)
        {
            LogDiscarded(logger, lease.InstanceId, lease.Attempt, WorkStopReason.LeaseLost);
        }
        else
        {
            if (failure is not null)
            {
                LogAttemptFailed(logger, lease.InstanceId, lease.Attempt, failure.Type, failure.Message);
            }

            if (!lease.IsOrchestrationActivity)
            {
                this.RecordOutcome(lease, failure);
            }
        }
    }

    /// <summary>Commits a success in the next batch, its slot freed (<see cref="FreeSlots"/>) from the hand-over.</summary>
    private async Task<bool> CompleteAsync(WorkItemLease lease, string? output)
    {
        Interlocked.Increment(ref this.committing);
        this.SlotFreed(); // the dispatcher may lease into it while the batch commits
        try
        {
            return await completions.CompleteAsync(lease, output);
        }
        finally
        {
            Interlocked.Decrement(ref this.committing);
        }
    }

    private void SlotFreed()
    {
        if (Volatile.Read(ref this.wakeOnFreedSlots) == 1)
        {
            wake.Set();
        }
    }

    /// <summary>A single-activity task's attempt, committed: the metrics (an orchestration's are its episodes').</summary>
    private void RecordOutcome(WorkItemLease lease, FailureDetails? failure)
    {
        KeyValuePair<string, object?> type = TaskFlowMetrics.Type(lease.Name);
        if (failure is not null)
        {
            TaskFlowMetrics.Failed.Add(1, type);
            if (lease.WillRetry(failure, workerLost: false))
            {
                TaskFlowMetrics.Retried.Add(1, type);
                return;
            }

            TaskFlowMetrics.DeadLettered.Add(1, type);
        }
        else
        {
            TaskFlowMetrics.Succeeded.Add(1, type);
        }

        TaskFlowMetrics.TaskDuration.Record((time.GetUtcNow() - lease.CreatedAt).TotalSeconds, type);
    }

    /// <summary>Where an episode hands the activity it leased to this worker in its commit (the slot the episode, or the
    /// activity before it, used is the new activity's); none once draining, so shutdown starts nothing new.</summary>
    private Action<WorkItemLease>? RunHere => this.draining ? null : lease => _ = this.Start(lease);

    public async Task DrainAsync()
    {
        this.draining = true;
        Task[] remaining;
        lock (this.inFlight)
        {
            remaining = [.. this.inFlight];
        }

        Task all = Task.WhenAll(remaining);
        if (await Task.WhenAny(all, Task.Delay(this.settings.ShutdownGracePeriod, time)) != all)
        {
            running.StopAll(WorkStopReason.ShuttingDown);
            await all;
        }
    }

    [LoggerMessage(EventId = EventIds.AttemptFailed, Level = LogLevel.Information, Message = "Attempt {Attempt} of {InstanceId} failed: {FailureType}: {FailureMessage}")]
    private static partial void LogAttemptFailed(ILogger logger, string instanceId, int attempt, string failureType, string failureMessage);

    [LoggerMessage(EventId = EventIds.OutcomeNotRecorded, Level = LogLevel.Error, Message = "Could not record the outcome of task {InstanceId} attempt {Attempt}; the lease will expire and the rescuer will retry it")]
    private static partial void LogCommitFailed(ILogger logger, string instanceId, int attempt, Exception exception);

    [LoggerMessage(EventId = EventIds.OutcomeDiscarded, Level = LogLevel.Information, Message = "Discarded the outcome of task {InstanceId} attempt {Attempt}: {Reason}")]
    private static partial void LogDiscarded(ILogger logger, string instanceId, int attempt, WorkStopReason reason);
}
