namespace TaskFlow.WorkItems;

/// <summary>Where the commit of activity results hands the episodes it wakes: each episode work item that commit creates
/// is leased in it to <see cref="WorkerId"/> for <see cref="LeaseDuration"/>, and given to <see cref="Take"/> once it
/// is committed, so the worker's episode dispatcher runs it without a lease through the queue or a wake-up between.</summary>
/// <remarks>The Durable storage provider's host hands its own (docs/architecture.md, "An activity's result, handed to
/// its host's episode dispatcher"). <see cref="Take"/> runs on the committing thread and must not block.</remarks>
internal sealed record EpisodeHandOff(string WorkerId, TimeSpan LeaseDuration, Action<WorkItemLease> Take);
