using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>An activity's result and the episode it starts, to commit together (<see cref="EpisodeStore.ContinueAsync"/>).</summary>
/// <param name="Activity">The activity's lease: the fence, and the episode's actor.</param>
/// <param name="State">The instance as this worker's last episode of it left it, the result as its one fresh event.</param>
/// <param name="Result">What the episode decided.</param>
/// <param name="LeaseActivity">Whether the one activity the episode schedules, if that is all it decided, is leased in
/// the commit to this worker (<see cref="EpisodeCommit.LeasedActivity"/>).</param>
internal sealed record Continuation(WorkItemLease Activity, EpisodeState State, EpisodeResult Result, bool LeaseActivity);
