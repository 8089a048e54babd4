using Npgsql;
using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>Runs one leased orchestration episode on the server: loads it (<see cref="EpisodeStore"/>), replays the
/// orchestrator through the SDK's runner (<see cref="EpisodeReplayer"/>), and commits what it decided.</summary>
internal sealed class OrchestrationRunner(EpisodeStore store, EpisodeReplayer replayer)
{
    // Each round is a query and a replay of only the new events; a few bound the episode while results keep coming.
    private const int LateEventRounds = 3;

    // Episodes running on this worker, by instance: more than one means an episode outlived its lease, and the SDK's
    // session for the instance may then be the other episode's.
    private readonly Dictionary<string, int> running = new(StringComparer.Ordinal);

    /// <returns>False when the episode did not commit: its lease was lost (another worker runs it), or its history moved
    /// (it runs again on the new history).</returns>
    public async Task<bool> RunEpisodeAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        this.CountRunning(lease.InstanceId, +1);
        try
        {
            return await this.RunAsync(lease, cancellationToken);
        }
        finally
        {
            this.CountRunning(lease.InstanceId, -1);
        }
    }

    private async Task<bool> RunAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        EpisodeState? state = await store.LoadAsync(connection, lease.InstanceId, !replayer.HasSession(lease.InstanceId), cancellationToken);
        if (state is null || !state.IsRunnable(lease))
        {
            // Finished, cancelled or moved on since this work item was queued: nothing to run.
            return (await store.CommitAsync(connection, lease, null, null, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed;
        }

        List<OrchestrationEvent> fresh = state.Fresh.Select(e => e.Event).ToList();
        if (fresh.Count == 0)
        {
            // Woken with nothing new (the events went to an earlier episode): replaying would decide nothing.
            return (await store.CommitAsync(connection, lease, state, null, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed;
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
        EpisodeCommit commit = await store.CommitAsync(connection, lease, state, result, cancellationToken);
        if (commit.Outcome == EpisodeCommitOutcome.Committed && result.Outcome == EpisodeOutcome.Waiting)
        {
            replayer.Committed(lease.InstanceId, state.Execution, commit.LastSequence);
        }
        else
        {
            replayer.Forget(lease.InstanceId); // ended, or the session ran an episode that did not commit
        }

        return commit.Outcome == EpisodeCommitOutcome.Committed;
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
