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
}

/// <summary>What one episode decided, read from the SDK's response.</summary>
/// <param name="CarryoverEvents">With <see cref="EpisodeOutcome.ContinuedAsNew"/>: events the next execution starts with (EventRaised).</param>
internal sealed record EpisodeResult(
    EpisodeOutcome Outcome,
    IReadOnlyList<OrchestrationAction> Actions,
    string? OutputJson,
    FailureDetails? Failure,
    string? ContinueAsNewInputJson,
    IReadOnlyList<OrchestrationEvent> CarryoverEvents,
    string? CustomStatusJson)
{
    /// <summary>An episode that only records what it read (events no orchestrator replays, such as a resume): it decides nothing.</summary>
    public static EpisodeResult RecordOnly { get; } = new(EpisodeOutcome.Waiting, [], null, null, null, [], null);

    public static EpisodeResult Failed(FailureDetails failure) => new(EpisodeOutcome.Failed, [], null, failure, null, [], null);
}
