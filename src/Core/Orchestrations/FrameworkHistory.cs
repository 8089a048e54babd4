using DurableTask.Core;
using DurableTask.Core.History;
using TaskFlow.Instances;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Orchestrations;

/// <summary>The SDK's protobuf history events as the Durable Task Framework's own <see cref="HistoryEvent"/> objects,
/// the type <c>DurableTaskClient.GetOrchestrationHistoryAsync</c> answers with. A type mapping only: what each stored
/// row means is decided once, in <see cref="DurableHistory.ToProto(OrchestrationEvent, string, int, bool)"/>.</summary>
internal static class FrameworkHistory
{
    private const int HistoryPageSize = 1_000;

    /// <summary>The Durable Task events of one execution of the instance (the current one when null), in order.</summary>
    public static async Task<List<HistoryEvent>> ExecutionAsync(TaskFlowClient tasks, string instanceId, int? execution, CancellationToken cancellation)
    {
        var rows = new List<HistoryEventRecord>();
        for (int after = 0; ;)
        {
            IReadOnlyList<HistoryEventRecord> page = await tasks.GetHistoryAsync(instanceId, after, HistoryPageSize, cancellation);
            rows.AddRange(page);
            if (page.Count < HistoryPageSize)
            {
                break;
            }

            after = page[^1].Sequence;
        }

        int chosen = execution ?? (rows.Count == 0 ? 0 : rows.Max(row => row.Execution));
        return rows
            .Where(row => row.Execution == chosen)
            .Select(row => DurableHistory.ToProto(
                new OrchestrationEvent(row.EventType, row.TaskId, row.Attempt, row.PayloadJson, row.Timestamp, row.Actor), instanceId, chosen, forReplay: false))
            .OfType<P.HistoryEvent>()
            .Select(From)
            .OfType<HistoryEvent>()
            .ToList();
    }

    public static HistoryEvent? From(P.HistoryEvent e)
    {
        HistoryEvent? core = e.EventTypeCase switch
        {
            P.HistoryEvent.EventTypeOneofCase.ExecutionStarted => new ExecutionStartedEvent(e.EventId, e.ExecutionStarted.Input)
            {
                Name = e.ExecutionStarted.Name,
                OrchestrationInstance = new OrchestrationInstance
                {
                    InstanceId = e.ExecutionStarted.OrchestrationInstance.InstanceId,
                    ExecutionId = e.ExecutionStarted.OrchestrationInstance.ExecutionId,
                },
                ParentInstance = e.ExecutionStarted.ParentInstance is { } parent
                    ? new ParentInstance
                    {
                        Name = parent.Name,
                        TaskScheduleId = parent.TaskScheduledId,
                        OrchestrationInstance = new OrchestrationInstance { InstanceId = parent.OrchestrationInstance.InstanceId },
                    }
                    : null,
            },
            P.HistoryEvent.EventTypeOneofCase.OrchestratorStarted => new OrchestratorStartedEvent(e.EventId),
            P.HistoryEvent.EventTypeOneofCase.OrchestratorCompleted => new OrchestratorCompletedEvent(e.EventId),
            P.HistoryEvent.EventTypeOneofCase.TaskScheduled => new TaskScheduledEvent(e.EventId, e.TaskScheduled.Name, version: null, e.TaskScheduled.Input),
            P.HistoryEvent.EventTypeOneofCase.TaskCompleted => new TaskCompletedEvent(e.EventId, e.TaskCompleted.TaskScheduledId, e.TaskCompleted.Result),
            P.HistoryEvent.EventTypeOneofCase.TaskFailed => new TaskFailedEvent(
                e.EventId, e.TaskFailed.TaskScheduledId, e.TaskFailed.FailureDetails?.ErrorMessage, details: null, Failure(e.TaskFailed.FailureDetails)),
            P.HistoryEvent.EventTypeOneofCase.TimerCreated => new TimerCreatedEvent(e.EventId, e.TimerCreated.FireAt.ToDateTime()),
            P.HistoryEvent.EventTypeOneofCase.TimerFired => new TimerFiredEvent(e.EventId, e.TimerFired.FireAt.ToDateTime()) { TimerId = e.TimerFired.TimerId },
            P.HistoryEvent.EventTypeOneofCase.SubOrchestrationInstanceCreated => new SubOrchestrationInstanceCreatedEvent(e.EventId)
            {
                Name = e.SubOrchestrationInstanceCreated.Name,
                InstanceId = e.SubOrchestrationInstanceCreated.InstanceId,
                Input = e.SubOrchestrationInstanceCreated.Input,
            },
            P.HistoryEvent.EventTypeOneofCase.SubOrchestrationInstanceCompleted => new SubOrchestrationInstanceCompletedEvent(
                e.EventId, e.SubOrchestrationInstanceCompleted.TaskScheduledId, e.SubOrchestrationInstanceCompleted.Result),
            P.HistoryEvent.EventTypeOneofCase.SubOrchestrationInstanceFailed => new SubOrchestrationInstanceFailedEvent(
                e.EventId, e.SubOrchestrationInstanceFailed.TaskScheduledId, e.SubOrchestrationInstanceFailed.FailureDetails?.ErrorMessage, details: null,
                Failure(e.SubOrchestrationInstanceFailed.FailureDetails)),
            P.HistoryEvent.EventTypeOneofCase.EventRaised => new EventRaisedEvent(e.EventId, e.EventRaised.Input) { Name = e.EventRaised.Name },
            P.HistoryEvent.EventTypeOneofCase.EventSent => new EventSentEvent(e.EventId)
            {
                InstanceId = e.EventSent.InstanceId,
                Name = e.EventSent.Name,
                Input = e.EventSent.Input,
            },
            P.HistoryEvent.EventTypeOneofCase.ExecutionSuspended => new ExecutionSuspendedEvent(e.EventId, e.ExecutionSuspended.Input),
            P.HistoryEvent.EventTypeOneofCase.ExecutionResumed => new ExecutionResumedEvent(e.EventId, e.ExecutionResumed.Input),
            P.HistoryEvent.EventTypeOneofCase.ExecutionTerminated => new ExecutionTerminatedEvent(e.EventId, e.ExecutionTerminated.Input),
            P.HistoryEvent.EventTypeOneofCase.ContinueAsNew => new ContinueAsNewEvent(e.EventId, e.ContinueAsNew.Input),
            P.HistoryEvent.EventTypeOneofCase.ExecutionCompleted => new ExecutionCompletedEvent(
                e.EventId,
                e.ExecutionCompleted.Result,
                e.ExecutionCompleted.OrchestrationStatus switch
                {
                    P.OrchestrationStatus.Failed => OrchestrationStatus.Failed,
                    P.OrchestrationStatus.Terminated => OrchestrationStatus.Terminated,
                    _ => OrchestrationStatus.Completed,
                },
                Failure(e.ExecutionCompleted.FailureDetails)),
            _ => null,
        };
        if (core is not null)
        {
            core.Timestamp = e.Timestamp.ToDateTime();
        }

        return core;
    }

    private static FailureDetails? Failure(P.TaskFailureDetails? details) => details is null
        ? null
        : new FailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, Failure(details.InnerFailure), details.IsNonRetriable);
}
