using DurableTask.Core;
using DurableTask.Core.History;
using TaskFlow.Orchestrations;
using CoreFailure = DurableTask.Core.FailureDetails;
using FailureDetails = TaskFlow.Activities.FailureDetails;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Provider;

/// <summary>Translates an episode between TaskFlow's store and the Durable Task Framework's dispatcher: the stored
/// history and inbox as an <see cref="OrchestrationRuntimeState"/> and new messages, and what the dispatcher decided
/// back into the <see cref="EpisodeResult"/> the server's own episodes commit, so both commit through one set of
/// store operations (<see cref="EpisodeStore"/>).</summary>
internal static class FrameworkEpisode
{
    /// <summary>The instance's current execution as the dispatcher replays it (TaskFlow's own rows left out).</summary>
    public static OrchestrationRuntimeState RuntimeState(string instanceId, int execution, IEnumerable<OrchestrationEvent> history) =>
        new(history.Select(row => ToCore(row, instanceId, execution)).OfType<HistoryEvent>().ToList());

    /// <summary>The inbox events the episode reads, as the messages the dispatcher appends after its OrchestratorStarted.</summary>
    public static List<TaskMessage> Messages(string instanceId, int execution, IEnumerable<OrchestrationEvent> fresh) =>
        fresh.Select(row => ToCore(row, instanceId, execution) is { } e
                ? new TaskMessage
                {
                    Event = e,

                    // An event raised for an earlier execution reaches the current one (as in Durable Task, where a raised
                    // event names no execution); everything else answers this execution's own actions.
                    OrchestrationInstance = new OrchestrationInstance
                    {
                        InstanceId = instanceId,
                        ExecutionId = e is EventRaisedEvent ? null : DurableHistory.Execution(execution),
                    },
                }
                : null)
            .OfType<TaskMessage>()
            .ToList();

    /// <summary>What the dispatcher decided, as the server's episodes express it.</summary>
    /// <param name="original">The runtime state handed to the dispatcher: it appended this execution's events to it.</param>
    /// <param name="final">The state it completed with: another execution's when the orchestration continued as new
    /// (the dispatcher runs the next execution at once; TaskFlow records the hand-over and runs that execution's
    /// first episode again from the store, so it is recorded like any other).</param>
    /// <param name="state">The dispatcher's view of the instance after the episode (custom status, failure details).</param>
    /// <param name="messages">The messages the dispatcher sends: they carry the inputs of activities and children,
    /// which the history events it appended leave out (the Durable Task Framework's dispatcher records them only with
    /// <c>IncludeParameters</c>).</param>
    public static EpisodeResult Result(
        OrchestrationRuntimeState original, OrchestrationRuntimeState final, OrchestrationState? state, IEnumerable<TaskMessage> messages)
    {
        string? execution = original.OrchestrationInstance?.ExecutionId;
        var inputs = new Dictionary<int, string?>();
        foreach (TaskMessage message in messages)
        {
            switch (message.Event)
            {
                case TaskScheduledEvent task when message.OrchestrationInstance?.ExecutionId == execution:
                    inputs[task.EventId] = task.Input;
                    break;
                case ExecutionStartedEvent child when child.ParentInstance?.OrchestrationInstance?.ExecutionId == execution:
                    inputs[child.ParentInstance!.TaskScheduleId] = child.Input;
                    break;
            }
        }

        var actions = new List<OrchestrationAction>();
        ExecutionCompletedEvent? completed = null;
        foreach (HistoryEvent e in original.NewEvents)
        {
            switch (e)
            {
                case TaskScheduledEvent task:
                    actions.Add(new ScheduleActivityAction(
                        task.EventId, task.Name ?? string.Empty, FrameworkParameters.Unwrap(task.Input ?? inputs.GetValueOrDefault(task.EventId))));
                    break;
                case TimerCreatedEvent timer:
                    actions.Add(new CreateTimerAction(timer.EventId, Utc(timer.FireAt)));
                    break;
                case SubOrchestrationInstanceCreatedEvent child:
                    actions.Add(new StartSubOrchestrationAction(child.EventId, child.Name ?? string.Empty, child.InstanceId ?? string.Empty, child.Input ?? inputs.GetValueOrDefault(child.EventId)));
                    break;
                case EventSentEvent sent:
                    actions.Add(new SendEventAction(sent.EventId, sent.InstanceId ?? string.Empty, sent.Name ?? string.Empty, sent.Input));
                    break;
                case ExecutionCompletedEvent end:
                    completed = end;
                    break;
            }
        }

        string? customStatus = state?.Status ?? final.Status;
        bool continuedAsNew = !ReferenceEquals(original, final)
            && final.OrchestrationInstance?.ExecutionId != original.OrchestrationInstance?.ExecutionId;
        if (continuedAsNew || completed is ContinueAsNewEvent)
        {
            // Events the orchestration had not read yet, carried into the next execution.
            List<OrchestrationEvent> carried = !continuedAsNew ? [] : final.Events.OfType<EventRaisedEvent>()
                .Select(raised => new OrchestrationEvent(
                    "EventRaised", null, null, DurableHistory.Payload(new { name = raised.Name, input = DurableHistory.Parse(raised.Input) }), Utc(raised.Timestamp), null))
                .ToList();
            string? input = continuedAsNew ? final.ExecutionStartedEvent?.Input : completed!.Result;
            return new EpisodeResult(EpisodeOutcome.ContinuedAsNew, actions, null, null, input, carried, customStatus);
        }

        return completed?.OrchestrationStatus switch
        {
            null => new EpisodeResult(EpisodeOutcome.Waiting, actions, null, null, null, [], customStatus),
            OrchestrationStatus.Completed => new EpisodeResult(EpisodeOutcome.Completed, actions, completed.Result, null, null, [], customStatus),
            _ => new EpisodeResult(
                EpisodeOutcome.Failed,
                actions,
                null,
                Failure(completed.FailureDetails ?? state?.FailureDetails, completed.OrchestrationStatus.ToString(), completed.Result),
                null,
                [],
                customStatus),
        };
    }

    /// <summary>A Durable entity as the dispatcher runs it (the entity dispatcher, or the Durable extension's in-process
    /// entity middleware): one execution that starts from the scheduler state its last batch saved, named by its
    /// instance id (the extension recognizes an entity by the leading '@').</summary>
    public static OrchestrationRuntimeState EntityRuntimeState(string instanceId, string? schedulerStateJson) =>
        new(new List<HistoryEvent>
        {
            new OrchestratorStartedEvent(-1),
            new ExecutionStartedEvent(-1, schedulerStateJson)
            {
                Name = instanceId,
                Version = string.Empty,
                OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = DurableHistory.Execution(1) },
            },
            new OrchestratorCompletedEvent(-1),
        });

    /// <summary>What an entity's batch decided: the framework ends every batch by continuing the entity as new with its
    /// scheduler state as the input (<paramref name="final"/>), and sends its responses, signals, lock messages and new
    /// orchestrations as messages (the entity dispatcher records none of them as history events).</summary>
    public static EpisodeResult EntityBatch(OrchestrationRuntimeState final, OrchestrationState? state, IEnumerable<TaskMessage> messages)
    {
        var actions = new List<OrchestrationAction>();
        foreach (TaskMessage message in messages)
        {
            string target = message.OrchestrationInstance?.InstanceId ?? string.Empty;
            switch (message.Event)
            {
                case EventRaisedEvent raised:
                    actions.Add(new SendEventAction(actions.Count, target, raised.Name ?? string.Empty, raised.Input));
                    break;
                case ExecutionStartedEvent started:
                    actions.Add(new StartOrchestrationAction(actions.Count, started.Name ?? string.Empty, target, started.Input));
                    break;
            }
        }

        return new EpisodeResult(EpisodeOutcome.EntityBatch, actions, null, null, final.ExecutionStartedEvent?.Input, [], state?.Status ?? final.Status);
    }

    /// <summary>A failure the dispatcher reported: its details when it has them (the SDK's workers send them), else the
    /// reason and details text that Durable Functions' in-process model reports (the details, a serialized exception,
    /// kept as the stack trace), under <paramref name="typeWithoutDetails"/>.</summary>
    public static FailureDetails Failure(CoreFailure? details, string typeWithoutDetails, string? reason, string? text = null) => details is null
        ? new FailureDetails(typeWithoutDetails, reason ?? text ?? "The orchestration reported a failure without details.", text)
        : new FailureDetails(
            details.ErrorType, details.ErrorMessage, details.StackTrace, details.IsNonRetriable,
            details.InnerFailure is { } inner ? Failure(inner, typeWithoutDetails, null) : null);

    private static HistoryEvent? ToCore(OrchestrationEvent row, string instanceId, int execution) =>
        DurableHistory.ToProto(row, instanceId, execution) is P.HistoryEvent proto ? FrameworkHistory.From(proto) : null;

    private static DateTimeOffset Utc(DateTime time) =>
        new(time.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(time, DateTimeKind.Utc) : time.ToUniversalTime());
}
