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

/// <summary>What one episode decided.</summary>
internal sealed record EpisodeResult(
    EpisodeOutcome Outcome,
    IReadOnlyList<OrchestrationAction> NewActions,
    IReadOnlyList<int> AbandonedTimers,
    string? OutputJson,
    FailureDetails? Failure,
    string? ContinueAsNewInputJson,
    string? CustomStatusJson,
    bool CustomStatusChanged);
