namespace TaskFlow.Orchestrations;

/// <summary>What a worker keeps after committing an episode that scheduled one activity and waits: enough to run the
/// next episode in the commit of that activity's result, should the result come on this worker (docs/architecture.md,
/// "Continuations").</summary>
/// <param name="State">The instance as the episode's commit left it: its history's last sequence and the episode's time.</param>
/// <param name="TaskId">The activity's id in the history.</param>
/// <param name="ClockOffset">The database's clock minus this process's, as the episode's load saw them. A continuation
/// reads nothing before it replays, so its episode's time is this process's clock plus the offset.</param>
/// <param name="StepsHandedOver">How many steps in a row, this one included, had their activity leased in the episode's
/// commit (at most OrchestrationRunner.MaxStepsHandedOver).</param>
internal sealed record EpisodeContinuation(EpisodeState State, int TaskId, TimeSpan ClockOffset, int StepsHandedOver)
{
    /// <summary>The continuation's episode time: the database's clock as estimated here, to the microsecond PostgreSQL
    /// keeps, and never before the episode it follows.</summary>
    public DateTimeOffset Now(TimeProvider time)
    {
        DateTimeOffset estimate = time.GetUtcNow() + this.ClockOffset;
        estimate = estimate.AddTicks(-(estimate.UtcTicks % TimeSpan.TicksPerMicrosecond));
        return estimate > this.State.Now ? estimate : this.State.Now;
    }
}
