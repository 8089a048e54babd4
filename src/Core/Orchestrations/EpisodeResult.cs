using TaskFlow.Activities;

namespace TaskFlow.Orchestrations;

/// <summary>Where an episode left the orchestration.</summary>
internal enum EpisodeOutcome
{
    /// <summary>Waiting for activities, timers, events or children: commit the new actions.</summary>
    Waiting,

    Completed,

    Failed,

    ContinuedAsNew,

    /// <summary>A Durable entity ran a batch of operations: its saved scheduler state (<see cref="EpisodeResult.NewInputJson"/>)
    /// replaces the instance's input, and it waits for its next messages in the same execution. (The Durable Task
    /// Framework continues an entity as new after every batch; its history is the entity's audit trail instead.)</summary>
    EntityBatch,
}

/// <summary>What one episode decided, read from the SDK's response.</summary>
/// <param name="NewInputJson">With <see cref="EpisodeOutcome.ContinuedAsNew"/>: the next execution's input;
/// with <see cref="EpisodeOutcome.EntityBatch"/>: the entity's scheduler state (null once the entity is deleted and idle).</param>
/// <param name="CarryoverEvents">With <see cref="EpisodeOutcome.ContinuedAsNew"/>: events the next execution starts with (EventRaised).</param>
internal sealed record EpisodeResult(
    EpisodeOutcome Outcome,
    IReadOnlyList<OrchestrationAction> Actions,
    string? OutputJson,
    FailureDetails? Failure,
    string? NewInputJson,
    IReadOnlyList<OrchestrationEvent> CarryoverEvents,
    string? CustomStatusJson)
{
    /// <summary>An episode that only records what it read (events no orchestrator replays, such as a resume): it decides nothing.</summary>
    public static EpisodeResult RecordOnly { get; } = new(EpisodeOutcome.Waiting, [], null, null, null, [], null);

    /// <summary>Whether the execution ends with this episode (completed, failed, continued as new): its other work goes.</summary>
    public bool EndsExecution => this.Outcome is not (EpisodeOutcome.Waiting or EpisodeOutcome.EntityBatch);

    public static EpisodeResult Failed(FailureDetails failure) => new(EpisodeOutcome.Failed, [], null, failure, null, [], null);
}
