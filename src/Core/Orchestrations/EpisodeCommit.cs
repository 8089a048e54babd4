using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>How an episode's commit ended.</summary>
internal enum EpisodeCommitOutcome
{
    Committed,

    /// <summary>The lease was no longer held: nothing was written; whoever holds the work item now runs the episode.</summary>
    LeaseLost,

    /// <summary>The instance's history moved since the load (a caller wrote it): nothing was written and the work item
    /// was handed back at once, for an episode on the new history.</summary>
    HistoryMoved,
}

/// <summary>What an episode's commit did.</summary>
/// <param name="LastSequence">With <see cref="EpisodeCommitOutcome.Committed"/>: the history sequence the commit left.</param>
/// <param name="HandedBack">With <see cref="EpisodeCommitOutcome.Committed"/>: events came while the episode ran, so its
/// work item was released for the next episode (ready now) instead of deleted.</param>
/// <param name="LeasedActivity">With <see cref="EpisodeCommitOutcome.Committed"/>: the one activity the episode scheduled,
/// leased in the commit to the episode's worker, which is to start it; null when none was (the queue leases it).</param>
internal readonly record struct EpisodeCommit(EpisodeCommitOutcome Outcome, int LastSequence, bool HandedBack = false, WorkItemLease? LeasedActivity = null);
