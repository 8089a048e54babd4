using DurableTask.Core;

namespace TaskFlow.Provider;

/// <summary>An extended session, as the Durable Task Framework's dispatcher drives one: after each episode it asks for
/// the orchestration's next events, runs them on the state it kept, and ends the session when there are none.</summary>
internal sealed class EpisodeSession(TaskFlowOrchestrationService service, EpisodeWorkItem episode) : IOrchestrationSession
{
    public Task<IList<TaskMessage>?> FetchNewOrchestrationMessagesAsync(TaskOrchestrationWorkItem workItem) =>
        service.NextSessionEpisodeAsync(episode);

    /// <summary>Nothing is held between episodes: each one's commit ended its lease.</summary>
    public Task EndSessionAsync() => Task.CompletedTask;
}
