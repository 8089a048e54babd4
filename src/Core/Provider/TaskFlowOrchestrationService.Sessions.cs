using System.Collections.Concurrent;
using DurableTask.Core;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Logging;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;

namespace TaskFlow.Provider;

/// <summary>Extended sessions (<see cref="TaskFlowOrchestrationServiceSettings.ExtendedSessionsEnabled"/>): between
/// episodes a session holds no lease. It waits for its orchestration's next episode to be leased in this process (the
/// episode loop hands over a lease it takes for a waiting session's instance) and loads only the instance and its new
/// inbox events; the dispatcher runs them on the state it kept. The session ends when the store's history no longer
/// matches that state (another host ran an episode, a caller suspended or resumed it), when the orchestration ends or
/// continues as new, or when no episode comes within the idle timeout.</summary>
public sealed partial class TaskFlowOrchestrationService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WorkItemLease>> waitingSessions = new(StringComparer.Ordinal);

    /// <summary>The next events for a session's orchestration, with its next episode leased; null ends the session.</summary>
    internal async Task<IList<TaskMessage>?> NextSessionEpisodeAsync(EpisodeWorkItem episode)
    {
        DateTimeOffset giveUpAt = this.Deadline(this.settings.ExtendedSessionIdleTimeout);
        while (episode.Waiting is { } committed)
        {
            if (await this.WaitForSessionLeaseAsync(episode, committed.HandedBack, giveUpAt) is not { } lease)
            {
                return null;
            }

            await using NpgsqlConnection connection = await this.episodes.DataSource.OpenConnectionAsync();
            EpisodeState? state = await this.episodes.LoadAsync(connection, lease.InstanceId, withHistory: false, CancellationToken.None);
            if (state is null || !state.IsRunnable(lease) || state.Execution != episode.State.Execution || state.LastSequence != committed.LastSequence)
            {
                // The kept state is behind the store's history (or the execution is over): the episode runs from the store.
                await this.leases.ReleaseAsync(lease, CancellationToken.None);
                this.notifier.Ring();
                LogSessionEnded(this.logger, lease.InstanceId, committed.LastSequence, state?.LastSequence);
                return null;
            }

            if (!state.Fresh.Any())
            {
                // Woken with nothing new (the events went to an earlier episode): the work item goes, the session waits on.
                EpisodeCommit nothing = await this.episodes.CommitAsync(connection, lease, state, null, CancellationToken.None);
                episode.Waiting = nothing.Outcome == EpisodeCommitOutcome.Committed ? committed with { HandedBack = nothing.HandedBack } : null;
                continue;
            }

            List<TaskMessage> messages = FrameworkEpisode.Messages(lease.InstanceId, state.Execution, state.Fresh.Select(e => e.Event));
            if (messages.Count == 0)
            {
                // Only events the dispatcher does not replay (a resume): recorded as OpenEpisodeAsync does, which moves the
                // history past the kept state, so the session ends.
                await this.episodes.CommitAsync(connection, lease, state, EpisodeResult.RecordOnly, CancellationToken.None);
                return null;
            }

            episode.Continue(lease, state);
            LogSessionEpisode(this.logger, lease.InstanceId, state.Execution, messages.Count);
            return messages;
        }

        return null; // the last episode ended the execution, continued as new, or did not commit
    }

    /// <summary>Starts a session's wait for its orchestration's next episode at the commit that leaves it waiting. The
    /// commit hands its one activity to this host, whose result leases the next episode to this host in turn; that can
    /// come before the framework's dispatcher asks the session for it, and an episode no session waits for yet runs
    /// from the store, replayed from its start (CI saw it once, under load).</summary>
    private void ExpectNextEpisode(EpisodeWorkItem episode)
    {
        var waiter = new TaskCompletionSource<WorkItemLease>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (this.waitingSessions.TryAdd(episode.InstanceId, waiter))
        {
            episode.NextEpisode = waiter;
        }
    }

    /// <summary>Ends a wait the dispatcher did not take up (it ended the session, or gave the episode up): an episode
    /// handed to it meanwhile goes to the episode loop.</summary>
    private async Task ForgetNextEpisodeAsync(EpisodeWorkItem episode)
    {
        if (episode.NextEpisode is not { } waiter)
        {
            return;
        }

        episode.NextEpisode = null;
        if (!this.waitingSessions.TryRemove(new KeyValuePair<string, TaskCompletionSource<WorkItemLease>>(episode.InstanceId, waiter)))
        {
            this.TakeHandedEpisode(await waiter.Task); // handed over: the waiter is being given its lease
        }
    }

    /// <summary>Gives a lease the episode loop took to the session waiting for that instance here, if there is one.</summary>
    private bool HandToWaitingSession(WorkItemLease lease) =>
        this.waitingSessions.TryRemove(lease.InstanceId, out TaskCompletionSource<WorkItemLease>? waiter) && waiter.TrySetResult(lease);

    /// <summary>Waits until the instance's next episode is leased for the session; null after the idle timeout or on stop.</summary>
    /// <param name="handedBack">The last commit released the work item (events came while it ran): it is ready now.</param>
    private async Task<WorkItemLease?> WaitForSessionLeaseAsync(EpisodeWorkItem episode, bool handedBack, DateTimeOffset giveUpAt)
    {
        // The wait the last commit started (ExpectNextEpisode), or one of its own.
        TaskCompletionSource<WorkItemLease> waiter = episode.NextEpisode ?? new(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = new KeyValuePair<string, TaskCompletionSource<WorkItemLease>>(episode.InstanceId, waiter);
        if (episode.NextEpisode is not null)
        {
            episode.NextEpisode = null;
        }
        else if (!this.waitingSessions.TryAdd(episode.InstanceId, waiter))
        {
            return null;
        }

        try
        {
            // Registered first: if the episode loop leases the work item before this does, it hands it over.
            if (handedBack && (await this.leases.LeaseByIdsAsync(this.identity.Id, [episode.Lease.WorkItemId], this.stopping.Token)).FirstOrDefault() is { } own)
            {
                if (this.waitingSessions.TryRemove(entry))
                {
                    return own;
                }

                await this.leases.ReleaseAsync(own, CancellationToken.None); // the episode loop handed one over meanwhile
                return await waiter.Task;
            }

            TimeSpan left = giveUpAt - this.time.GetUtcNow();
            return await waiter.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, this.time, this.stopping.Token);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // Handed over at the last moment if the episode loop removed the entry first.
            return this.waitingSessions.TryRemove(entry) ? null : await waiter.Task;
        }
        finally
        {
            this.waitingSessions.TryRemove(entry); // gone already, unless the load failed
        }
    }

    [LoggerMessage(EventId = EventIds.SessionEpisode, Level = LogLevel.Debug, Message = "Episode of {InstanceId} (execution {Execution}) continues its extended session with {Messages} new events")]
    private static partial void LogSessionEpisode(ILogger logger, string instanceId, int execution, int messages);

    [LoggerMessage(EventId = EventIds.SessionEnded, Level = LogLevel.Debug, Message = "Extended session of {InstanceId} ended: it kept the history to sequence {Kept}, the store has {Stored}")]
    private static partial void LogSessionEnded(ILogger logger, string instanceId, int kept, int? stored);
}
