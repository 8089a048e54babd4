using Npgsql;
using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>Runs one leased orchestration episode on the server: loads it (<see cref="EpisodeStore"/>), replays the
/// orchestrator through the SDK's runner (<see cref="EpisodeReplayer"/>), and commits what it decided.</summary>
internal sealed class OrchestrationRunner(EpisodeStore store, EpisodeReplayer replayer)
{
    /// <returns>False when the episode did not commit: its lease was lost (another worker runs it), or its history moved
    /// (it runs again on the new history).</returns>
    public async Task<bool> RunEpisodeAsync(WorkItemLease lease, CancellationToken cancellationToken)
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
}
