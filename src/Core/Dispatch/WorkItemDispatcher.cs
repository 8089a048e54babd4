using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskFlow.Activities;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Dispatch;

/// <summary>The worker loop: lease ready work items up to the concurrency limit and do each: run an activity
/// (with its timeout and cancellation), run an orchestration episode, or fire a timer; every outcome is
/// committed fenced by the lease.</summary>
/// <remarks>Wakes on NOTIFY, on an activity finishing, at the next delayed item's time, and on the poll
/// backstop. On shutdown it stops leasing, lets running activities finish within the grace period, and
/// releases the rest without counting their attempt.</remarks>
internal sealed partial class WorkItemDispatcher(
    WorkItemQueue queue,
    ActivityRegistry activities,
    OrchestrationRunner orchestrations,
    CompletionBatcher completions,
    RunningActivities running,
    WakeSignal wake,
    WorkerIdentity identity,
    IServiceProvider services,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<WorkItemDispatcher> logger) : BackgroundService
{
    private readonly WorkerOptions settings = options.Value;
    private readonly List<Task> inFlight = [];

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

        await this.DrainAsync();
    }

    /// <summary>Leases what fits and starts it; returns how long to wait before looking again (zero: at once).</summary>
    private async Task<TimeSpan> LeaseAndStartAsync(CancellationToken stoppingToken)
    {
        int free = this.settings.Concurrency - running.Count;
        if (free <= 0)
        {
            return this.settings.PollInterval;
        }

        try
        {
            IReadOnlyList<WorkItemLease> leases = await queue.LeaseNextAsync(identity.Id, free, this.settings.LeaseDuration, stoppingToken);
            foreach (WorkItemLease lease in leases)
            {
                this.Start(lease);
            }

            if (leases.Count == free)
            {
                return TimeSpan.Zero;
            }

            DateTimeOffset? next = await queue.NextVisibleAtAsync(stoppingToken);
            TimeSpan untilNext = next is { } due ? due - time.GetUtcNow() : this.settings.PollInterval;
            return untilNext < this.settings.PollInterval ? untilNext : this.settings.PollInterval;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogLeaseFailed(logger, exception);
            return this.settings.PollInterval;
        }
    }

    private void Start(WorkItemLease lease)
    {
        var activity = new RunningActivity(lease);
        running.Add(activity);
        Task run = Task.Run(() => this.RunAsync(activity));
        lock (this.inFlight)
        {
            this.inFlight.RemoveAll(task => task.IsCompleted);
            this.inFlight.Add(run);
        }
    }

    private async Task RunAsync(RunningActivity activity)
    {
        WorkItemLease lease = activity.Lease;
        using ITimer? timeout = lease.Timeout is { } limit
            ? time.CreateTimer(_ => activity.Stop(ActivityStopReason.TimedOut), null, limit, Timeout.InfiniteTimeSpan)
            : null;
        try
        {
            switch (lease.Kind)
            {
                case WorkKinds.Orchestration:
                    await orchestrations.RunEpisodeAsync(lease, CancellationToken.None);
                    break;
                case WorkKinds.Timer:
                    await queue.FireTimerAsync(lease, CancellationToken.None);
                    break;
                default:
                    (string? output, FailureDetails? failure) = await this.InvokeAsync(activity);
                    await this.CommitAsync(activity, output, failure);
                    break;
            }
        }
        catch (Exception exception)
        {
            // The outcome could not be saved (database unreachable): the lease will expire and the
            // rescuer will count this attempt as failed, so nothing is lost.
            LogCommitFailed(logger, lease.InstanceId, lease.Attempt, exception);
        }
        finally
        {
            running.Remove(activity);
            activity.Dispose();
            wake.Set();
        }
    }

    private async Task<(string? Output, FailureDetails? Failure)> InvokeAsync(RunningActivity activity)
    {
        WorkItemLease lease = activity.Lease;
        if (!activities.TryGet(lease.Name, out ActivityRegistration registration))
        {
            return (null, new FailureDetails(
                "TaskFlow.UnknownActivity",
                $"No activity named '{lease.Name}' is registered in worker '{identity.Id}'. Registered: {string.Join(", ", activities.Names.Order())}."));
        }

        try
        {
            var context = new ActivityContext(lease.Name, lease.InstanceId, lease.TaskId, lease.Attempt, activity.Token);
            return (await registration.RunAsync(services, context, lease.InputJson), null);
        }
        catch (Exception exception) when (activity.StopReason == ActivityStopReason.TimedOut)
        {
            return (null, new FailureDetails(
                "TaskFlow.ActivityTimedOut",
                $"Activity '{lease.Name}' did not finish within its timeout of {lease.Timeout}.",
                exception.StackTrace));
        }
        catch (Exception exception) when (activity.StopReason == ActivityStopReason.None)
        {
            return (null, FailureDetails.From(exception));
        }
        catch (Exception) when (activity.StopReason is ActivityStopReason.Cancelled or ActivityStopReason.LeaseLost or ActivityStopReason.ShuttingDown)
        {
            // Stopped from outside: CommitAsync discards or releases it by the stop reason.
            return (null, null);
        }
    }

    private async Task CommitAsync(RunningActivity activity, string? output, FailureDetails? failure)
    {
        WorkItemLease lease = activity.Lease;
        switch (activity.StopReason)
        {
            case ActivityStopReason.Cancelled or ActivityStopReason.LeaseLost:
                LogDiscarded(logger, lease.InstanceId, lease.Attempt, activity.StopReason);
                return;
            case ActivityStopReason.ShuttingDown:
                await queue.ReleaseAsync(lease, CancellationToken.None);
                return;
        }

        bool committed = failure is null
            ? await completions.CompleteAsync(lease, output)
            : await queue.RecordFailedAttemptAsync(lease, failure, identity.Id, onlyIfExpired: false, Random.Shared.NextDouble(), CancellationToken.None);
        if (!committed)
        {
            LogDiscarded(logger, lease.InstanceId, lease.Attempt, ActivityStopReason.LeaseLost);
        }
    }

    private async Task DrainAsync()
    {
        Task[] remaining;
        lock (this.inFlight)
        {
            remaining = [.. this.inFlight];
        }

        Task all = Task.WhenAll(remaining);
        if (await Task.WhenAny(all, Task.Delay(this.settings.ShutdownGracePeriod, time)) != all)
        {
            running.StopAll(ActivityStopReason.ShuttingDown);
            await all;
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Leasing work failed; trying again after the poll interval")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Could not record the outcome of task {InstanceId} attempt {Attempt}; the lease will expire and the rescuer will retry it")]
    private static partial void LogCommitFailed(ILogger logger, Guid instanceId, int attempt, Exception exception);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Discarded the outcome of task {InstanceId} attempt {Attempt}: {Reason}")]
    private static partial void LogDiscarded(ILogger logger, Guid instanceId, int attempt, ActivityStopReason reason);
}
