using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>A leased episode and what it decided, to commit (<see cref="EpisodeStore.CommitAsync(IReadOnlyList{EpisodeToCommit}, CancellationToken)"/>).</summary>
/// <param name="Lease">The episode's lease: the fence, and the episode's actor.</param>
/// <param name="State">Null (with <paramref name="Result"/>) when there was nothing to run: the work item just goes.</param>
/// <param name="Result">Null when the episode had nothing to decide (an ended execution's leftovers, no new events).</param>
/// <param name="LeaseActivity">Whether the one activity the episode schedules, if that is all it decided, is leased in
/// the commit to the episode's worker (<see cref="EpisodeCommit.LeasedActivity"/>).</param>
internal sealed record EpisodeToCommit(WorkItemLease Lease, EpisodeState? State, EpisodeResult? Result, bool LeaseActivity);
