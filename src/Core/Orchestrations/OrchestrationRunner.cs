using Microsoft.Extensions.Caching.Memory;
using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Telemetry;
using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>Runs one leased orchestration episode on the server: loads it (<see cref="EpisodeStore"/>), replays the
/// orchestrator through the SDK's runner (<see cref="EpisodeReplayer"/>), and commits what it decided; or runs the
/// next episode in the commit of an activity's result (<see cref="TryContinueAsync"/>).</summary>
internal sealed class OrchestrationRunner(
    EpisodeStore store, GroupCommits<EpisodeToCommit> episodeCommits, GroupCommits<Continuation> continuationCommits, EpisodeReplayer replayer, ActivityRegistry activities, TimeProvider time) : IDisposable
{
    // Each round is a query and a replay of only the new events; a few bound the episode while results keep coming.
    private const int LateEventRounds = 3;

    /// <summary>How many steps in a row an orchestration's activities may be leased in its episodes' commits. The slot
    /// then goes back through the queue, where priorities order the work: a long sequence holds a slot for at most
    /// this many steps while more urgent work waits.</summary>
    internal const int MaxStepsHandedOver = 8;

    // Episodes running on this worker, by instance: more than one means an episode outlived its lease, and the SDK's
    // session for the instance may then be the other episode's.
    private readonly Dictionary<string, int> running = new(StringComparer.Ordinal);

    // By instance: the one activity its last episode here scheduled and waits for. Kept as long as the SDK's session.
    private readonly MemoryCache continuations = new(new MemoryCacheOptions());

    /// <param name="runHere">Starts an activity leased to this worker: given, the one activity a step schedules (if this
    /// worker has it) is leased in the episode's commit and handed to it, with no round trip through the queue.</param>
    /// <returns>False when the episode did not commit: its lease was lost (another worker runs it), or its history moved
    /// (it runs again on the new history).</returns>
    public async Task<bool> RunEpisodeAsync(WorkItemLease lease, CancellationToken cancellationToken, Action<WorkItemLease>? runHere = null)
    {
        this.CountRunning(lease.InstanceId, +1);
        try
        {
            return await this.RunAsync(lease, runHere, cancellationToken);
        }
        finally
        {
            this.CountRunning(lease.InstanceId, -1);
        }
    }

    private async Task<bool> RunAsync(WorkItemLease lease, Action<WorkItemLease>? runHere, CancellationToken cancellationToken)
    {
        // The load's connection goes back to the pool before the commit, which joins other episodes' in a group
        // (GroupCommits) written on a connection of its own.
        (EpisodeState? State, EpisodeResult? Result, TimeSpan ClockOffset, bool Committed) ran;
        await using (NpgsqlConnection connection = await store.DataSource.OpenConnectionAsync(cancellationToken))
        {
            ran = await this.LoadAndReplayAsync(connection, lease, cancellationToken);
        }

        if (ran is not (EpisodeState state, EpisodeResult result, TimeSpan clockOffset, _))
        {
            return ran.Committed; // there was nothing to run
        }

        EpisodeCommit commit = await episodeCommits.CommitAsync(new EpisodeToCommit(lease, state, result, this.MayRunHere(result, runHere, stepsHandedOver: 0)));
        this.AfterCommit(lease.InstanceId, state, result, commit, clockOffset, runHere, stepsHandedOver: 0);
        return commit.Outcome == EpisodeCommitOutcome.Committed;
    }

    /// <returns>The episode to commit, with the database clock's offset from this process's at the load; or, when there
    /// was nothing to run, no episode and whether the work item's own commit (its end or its hand-back) committed.</returns>
    private async Task<(EpisodeState? State, EpisodeResult? Result, TimeSpan ClockOffset, bool Committed)> LoadAndReplayAsync(NpgsqlConnection connection, WorkItemLease lease, CancellationToken cancellationToken)
    {
        EpisodeState? state = await store.LoadAsync(connection, lease.InstanceId, !replayer.HasSession(lease.InstanceId), cancellationToken);
        TimeSpan clockOffset = state is null ? TimeSpan.Zero : state.Now - time.GetUtcNow();
        if (state is null || !state.IsRunnable(lease))
        {
            // Finished, cancelled or moved on since this work item was queued: nothing to run.
            return (null, null, clockOffset, (await store.CommitAsync(connection, lease, null, null, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed);
        }

        List<OrchestrationEvent> fresh = state.Fresh.Select(e => e.Event).ToList();
        if (fresh.Count == 0)
        {
            // Woken with nothing new (the events went to an earlier episode): replaying would decide nothing.
            return (null, null, clockOffset, (await store.CommitAsync(connection, lease, state, null, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed);
        }

        // With this worker's session for the instance, the SDK needs only the new events; else the whole history.
        // (A session that no longer matches the history, or that the SDK dropped, costs one more round trip.)
        bool warm = state.History is null && replayer.TryTakeSession(lease.InstanceId, state.Execution, state.LastSequence);
        EpisodeResult? result = warm ? replayer.Replay(lease.InstanceId, state.Execution, state.Name, null, fresh, state.Now) : null;
        if (result is null)
        {
            IReadOnlyList<OrchestrationEvent> history = state.History ?? await EpisodeStore.LoadHistoryAsync(connection, lease.InstanceId, cancellationToken);
            result = replayer.Replay(lease.InstanceId, state.Execution, state.Name, history, fresh, state.Now)!;
        }

        (state, result) = await this.TakeInLateEventsAsync(connection, lease, state, result, cancellationToken);
        return (state, result, clockOffset, false);
    }

    /// <summary>Commits an orchestration activity's result together with the next episode of its orchestration, when
    /// this worker committed the episode that scheduled it (and nothing else) and still holds its replayed state: no
    /// inbox row, no orchestration work item to lease, no load (docs/architecture.md, "Continuations").</summary>
    /// <returns>True when committed; false when the activity's lease was lost (its result is discarded, as any);
    /// null when the result is not this worker's to continue with: it goes to the inbox as any other.</returns>
    /// <param name="runHere">As for <see cref="RunEpisodeAsync"/>.</param>
    public async Task<bool?> TryContinueAsync(WorkItemLease activity, string? outputJson, Action<WorkItemLease>? runHere = null)
    {
        if (!this.continuations.TryGetValue(activity.InstanceId, out EpisodeContinuation? next)
            || next!.TaskId != activity.TaskId || next.State.Execution != activity.Execution)
        {
            return null;
        }

        this.continuations.Remove(activity.InstanceId);
        try
        {
            // One episode of an instance at a time on this worker, on a session that matches the history as committed.
            if (this.CountRunning(activity.InstanceId, +1) > 1
                || !replayer.TryTakeSession(activity.InstanceId, next.State.Execution, next.State.LastSequence))
            {
                return null;
            }

            using System.Diagnostics.Activity? span = TaskFlowTracing.StartWork($"taskflow.episode {next.State.Name}", activity.TraceParent, activity.InstanceId, 1);
            DateTimeOffset now = next.Now(time);
            var completed = new OrchestrationEvent(
                "TaskCompleted", activity.TaskId, activity.Attempt, DurableHistory.TaskCompleted(outputJson, activity.LeasedAt, activity.LeaseOwner), now, activity.LeaseOwner);
            EpisodeState state = next.State with { Now = now, Inbox = [new InboxEvent(0, next.State.Execution, completed)] };
            EpisodeResult? result = replayer.Replay(activity.InstanceId, state.Execution, state.Name, null, [completed], now);
            if (result is null)
            {
                return null; // the SDK dropped the session: an episode replays the history
            }

            EpisodeCommit commit = await continuationCommits.CommitAsync(new Continuation(activity, state, result, this.MayRunHere(result, runHere, next.StepsHandedOver)));
            this.AfterCommit(activity.InstanceId, state, result, commit, next.ClockOffset, runHere, next.StepsHandedOver);
            return commit.Outcome switch
            {
                EpisodeCommitOutcome.Committed => true,
                EpisodeCommitOutcome.LeaseLost => false,
                _ => null,
            };
        }
        finally
        {
            this.CountRunning(activity.InstanceId, -1);
        }
    }

    public void Dispose() => this.continuations.Dispose();

    /// <summary>Whether the episode's commit may lease its one new activity to this worker: a step (one activity, then
    /// a wait) whose activity this worker has, within <see cref="MaxStepsHandedOver"/>. A fan-out is the queue's to
    /// spread over the workers.</summary>
    private bool MayRunHere(EpisodeResult result, Action<WorkItemLease>? runHere, int stepsHandedOver) =>
        runHere is not null && stepsHandedOver < MaxStepsHandedOver
        && result.Outcome == EpisodeOutcome.Waiting && result.Actions is [ScheduleActivityAction one] && activities.Contains(one.Name);

    /// <summary>After an episode's commit (or its failure): the session for the next episode, whether the activity it
    /// scheduled may continue it here, and that activity started if the commit leased it here (only then: its result
    /// must find the continuation in place). An episode that scheduled more (a fan-out) is continued by one episode
    /// that reads many results, not by one per result.</summary>
    /// <param name="stepsHandedOver">How many steps in a row before this episode had their activity leased in the commit.</param>
    private void AfterCommit(
        string instanceId, EpisodeState state, EpisodeResult result, EpisodeCommit commit, TimeSpan clockOffset, Action<WorkItemLease>? runHere, int stepsHandedOver)
    {
        if (commit.Outcome != EpisodeCommitOutcome.Committed || result.Outcome != EpisodeOutcome.Waiting)
        {
            replayer.Forget(instanceId); // ended, or the session ran an episode that did not commit
            this.continuations.Remove(instanceId);
            return;
        }

        replayer.Committed(instanceId, state.Execution, commit.LastSequence);
        if (!commit.HandedBack && result.Actions is [ScheduleActivityAction scheduled])
        {
            var next = new EpisodeContinuation(
                state with { Status = Instances.TaskStatuses.Running, LastSequence = commit.LastSequence, History = null, Inbox = [] },
                scheduled.TaskId,
                clockOffset,
                commit.LeasedActivity is null ? 0 : stepsHandedOver + 1);
            this.continuations.Set(instanceId, next, new MemoryCacheEntryOptions { SlidingExpiration = EpisodeReplayer.SessionIdleTimeout });
        }
        else
        {
            this.continuations.Remove(instanceId);
        }

        if (commit.LeasedActivity is { } leased)
        {
            runHere!(leased);
        }
    }

    /// <summary>An episode that decided nothing but to wait (a fan-in still short of results) takes in the events that
    /// reached its inbox while it replayed, through the SDK's session, before it commits.</summary>
    /// <remarks>Otherwise those late results cost a commit of everything read so far (thousands of history rows for a
    /// large fan-in), a hand-back, a lease and another episode, about 100 ms for a fan-out of 10,000 here. Only an
    /// episode with no actions takes more in, so its history reads as one episode that received all of them; the
    /// orchestrator sees the same events in the same order, at the same time, as a replay from the store would.</remarks>
    private async Task<(EpisodeState, EpisodeResult)> TakeInLateEventsAsync(
        NpgsqlConnection connection, WorkItemLease lease, EpisodeState state, EpisodeResult result, CancellationToken cancellationToken)
    {
        for (int round = 0; round < LateEventRounds && result.Outcome == EpisodeOutcome.Waiting && result.Actions.Count == 0; round++)
        {
            if (this.CountRunning(lease.InstanceId, 0) > 1)
            {
                break; // the session may be another episode's: the next episode reads the late events from the store
            }

            List<InboxEvent> late = await EpisodeStore.LoadInboxAfterAsync(connection, lease.InstanceId, state.Inbox.Max(e => e.Id), cancellationToken);
            List<OrchestrationEvent> fresh = late.Where(e => e.BelongsTo(state.Execution)).Select(e => e.Event).ToList();
            EpisodeResult? next = fresh.Count == 0 ? null : replayer.Replay(lease.InstanceId, state.Execution, state.Name, null, fresh, state.Now);
            if (next is null)
            {
                break; // nothing came, or the SDK no longer holds the session: the next episode reads them
            }

            state = state with { Inbox = [.. state.Inbox, .. late] };
            result = next;
        }

        return (state, result);
    }

    /// <returns>How many episodes of the instance now run on this worker.</returns>
    private int CountRunning(string instanceId, int change)
    {
        lock (this.running)
        {
            int count = this.running.GetValueOrDefault(instanceId) + change;
            if (count == 0)
            {
                this.running.Remove(instanceId);
            }
            else
            {
                this.running[instanceId] = count;
            }

            return count;
        }
    }
}
