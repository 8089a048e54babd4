using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>The orchestration dispatcher's side: episodes are leased, loaded and committed by <see cref="EpisodeStore"/>,
/// as the server's own episodes are; timers due are fired on the way (they run no user code).</summary>
public sealed partial class TaskFlowOrchestrationService
{
    /// <inheritdoc/>
    /// <remarks>Durable entities' batches too, unless the host dispatches them apart (<see cref="SetUseSeparateQueueForEntityWorkItems"/>).</remarks>
    public Task<TaskOrchestrationWorkItem?> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        this.LockNextEpisodeAsync(this.episodeLeases, this.episodeWakeUps, this.EpisodeBatch, receiveTimeout, cancellationToken);

    /// <summary>The next episode (or entity batch) from <paramref name="buffer"/> to run; timers due are fired on the way.</summary>
    private async Task<TaskOrchestrationWorkItem?> LockNextEpisodeAsync(
        LeaseBuffer buffer, WakeSignal.Listener wakeUps, int batch, TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = this.Deadline(receiveTimeout);
        while (true)
        {
            TimeSpan left = giveUpAt - this.time.GetUtcNow();
            if (await this.NextLeaseAsync(buffer, wakeUps, batch, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken) is not { } lease)
            {
                return null;
            }

            if (lease.Kind == WorkKinds.Timer)
            {
                await this.queue.FireTimerAsync(lease, cancellationToken);
                continue;
            }

            if (this.HandToWaitingSession(lease))
            {
                continue; // an extended session here waits for this orchestration's next episode
            }

            if (await this.OpenEpisodeAsync(lease, cancellationToken) is { } workItem)
            {
                return workItem;
            }
        }
    }

    /// <inheritdoc/>
    public async Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) =>
        workItem.LockedUntilUtc = await this.RenewLockAsync(Episode(workItem).Lease);

    /// <inheritdoc/>
    /// <exception cref="LockLostException">The lock was lost before the commit: nothing was written, and whoever holds
    /// the work item now runs the episode (or the instance's history moved, and the episode runs again on it).</exception>
    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        // The history events the dispatcher appended say what to do (and for which execution); the messages only lend
        // their inputs. The commit makes the work items, children, inbox events and the parent's notice itself.
        EpisodeWorkItem episode = Episode(workItem);
        EpisodeResult result = episode.Lease.Kind == WorkKinds.Entity
            ? FrameworkEpisode.EntityBatch(newOrchestrationRuntimeState, orchestrationState, outboundMessages.Concat(orchestratorMessages))
            : FrameworkEpisode.Result(episode.Original, newOrchestrationRuntimeState, orchestrationState, outboundMessages.Concat(orchestratorMessages));

        // The episode's time is the dispatcher's OrchestratorStarted (what CurrentUtcDateTime read), so replays agree.
        DateTimeOffset startedAt = episode.Original.NewEvents.OfType<OrchestratorStartedEvent>().FirstOrDefault()?.Timestamp is { } started
            ? new DateTimeOffset(DateTime.SpecifyKind(started, DateTimeKind.Utc))
            : episode.State.Now;
        EpisodeCommit commit = await this.episodeCommits.CommitAsync(new EpisodeToCommit(episode.Lease, episode.State with { Now = startedAt }, result, LeaseActivity: true));
        if (commit.Outcome != EpisodeCommitOutcome.Committed)
        {
            throw new LockLostException(episode.Lease);
        }

        // An extended session continues only from an execution that waits on, with the history this commit left. Its wait
        // for the next episode starts here, before the activity below can ready that episode (ExpectNextEpisode).
        episode.Waiting = result.Outcome == EpisodeOutcome.Waiting ? commit : null;
        if (episode.Waiting is not null && workItem.Session is not null)
        {
            this.ExpectNextEpisode(episode);
        }

        // A step that scheduled one activity and waits had it leased in the commit to this process: its activity
        // dispatcher takes it from the buffer, without a lease of its own or waking any other loop.
        if (commit.LeasedActivity is { } leased)
        {
            this.activityLeases.Add(leased);
            this.wake.Set(WakeUps.Activities);
        }
    }

    /// <inheritdoc/>
    /// <remarks>The episode goes back to the queue at once, without counting an attempt.</remarks>
    public async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        EpisodeWorkItem episode = Episode(workItem);
        await this.ForgetNextEpisodeAsync(episode);
        await this.leases.ReleaseAsync(episode.Lease, CancellationToken.None);
    }

    /// <inheritdoc/>
    /// <remarks>The commit ended the lease (or handed the work item back when new events came meanwhile), and an extended
    /// session holds none between episodes. A session's wait that the dispatcher did not take up ends here.</remarks>
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => this.ForgetNextEpisodeAsync(Episode(workItem));

    /// <summary>An episode an activity's result leased to this host in its commit (<see cref="EpisodeHandOff"/>): to the
    /// extended session waiting for it here, or to the episode dispatcher's buffer, waking the episode loop alone.</summary>
    /// <remarks>A stop that released the buffer already would leave it held until it expired: when stopping, what the
    /// buffer holds is released again.</remarks>
    private void TakeHandedEpisode(WorkItemLease lease)
    {
        if (this.HandToWaitingSession(lease))
        {
            return;
        }

        this.episodeLeases.Add(lease);
        this.wake.Set(WakeUps.Episodes);
        if (this.stopping.IsCancellationRequested)
        {
            foreach (WorkItemLease left in this.episodeLeases.Drain())
            {
                _ = this.BestEffortAsync("release a handed episode", () => this.leases.ReleaseAsync(left, CancellationToken.None));
            }
        }
    }

    /// <summary>How many episodes one lease takes (each is loaded only when handed out, so it reads the latest inbox).</summary>
    private int EpisodeBatch => Math.Clamp(this.settings.MaxConcurrentOrchestrations / 4, 1, 32);

    private static EpisodeWorkItem Episode(TaskOrchestrationWorkItem workItem) =>
        workItem as EpisodeWorkItem ?? throw new ArgumentException("The work item did not come from this orchestration service.", nameof(workItem));

    /// <summary>Loads a leased episode; null (its work item finished) when there is nothing for the dispatcher to run.</summary>
    private async Task<EpisodeWorkItem?> OpenEpisodeAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        // An entity's batch starts from its saved scheduler state, not from its history (its audit trail).
        bool entity = lease.Kind == WorkKinds.Entity;
        await using NpgsqlConnection connection = await this.episodes.DataSource.OpenConnectionAsync(cancellationToken);
        EpisodeState? state = await this.episodes.LoadAsync(connection, lease.InstanceId, withHistory: !entity, cancellationToken);
        if (state is null || !state.IsRunnable(lease) || !state.Fresh.Any())
        {
            // Ended, cancelled or moved on since the work item was queued, or woken with nothing new.
            await this.episodes.CommitAsync(connection, lease, state is not null && state.IsRunnable(lease) ? state : null, null, cancellationToken);
            return null;
        }

        List<TaskMessage> messages = FrameworkEpisode.Messages(lease.InstanceId, state.Execution, state.Fresh.Select(e => e.Event));
        if (messages.Count == 0)
        {
            // Only events the dispatcher does not replay (a resume): recorded, and nothing else to decide.
            await this.episodes.CommitAsync(connection, lease, state, EpisodeResult.RecordOnly, cancellationToken);
            return null;
        }

        OrchestrationRuntimeState runtimeState = entity
            ? FrameworkEpisode.EntityRuntimeState(lease.InstanceId, state.EntityStateJson)
            : FrameworkEpisode.RuntimeState(lease.InstanceId, state.Execution, state.History!);
        LogEpisodeLeased(this.logger, lease.InstanceId, state.Execution, messages.Count);
        var workItem = new EpisodeWorkItem(lease, state, runtimeState, messages);
        if (this.settings.ExtendedSessionsEnabled && !entity)
        {
            workItem.Session = new EpisodeSession(this, workItem);
        }

        return workItem;
    }

    [LoggerMessage(EventId = EventIds.EpisodeLeased, Level = LogLevel.Debug, Message = "Episode of {InstanceId} (execution {Execution}) leased with {Messages} new events")]
    private static partial void LogEpisodeLeased(ILogger logger, string instanceId, int execution, int messages);
}
