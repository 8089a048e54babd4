using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Grpc;
using TaskFlow.Activities;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Orchestrations;

/// <summary>Replays one episode through the Durable Task SDK's own orchestration runner (the entry point Durable
/// Functions' isolated worker calls): the stored history as past events, <c>OrchestratorStarted</c> and the inbox
/// as new ones. Replay rules, non-determinism checks and retry semantics are therefore the SDK's.</summary>
/// <remarks>Pure but for the orchestrator code itself: no I/O, so the same history always gives the same result.</remarks>
internal sealed class EpisodeReplayer(OrchestratorRegistry orchestrators, IServiceProvider services)
{
    /// <param name="past">This execution's history (rows the SDK does not replay are skipped).</param>
    /// <param name="fresh">Events that arrived since the last episode, in arrival order.</param>
    /// <param name="now">The episode's time (the database clock): the new <c>OrchestratorStarted</c>, hence <c>CurrentUtcDateTime</c>.</param>
    public EpisodeResult Replay(
        Guid instanceId, int execution, string name, IReadOnlyList<OrchestrationEvent> past, IReadOnlyList<OrchestrationEvent> fresh, DateTimeOffset now)
    {
        ITaskOrchestrator? orchestrator = orchestrators.Create(name);
        if (orchestrator is null)
        {
            return EpisodeResult.Failed(new FailureDetails(
                "TaskFlow.UnknownOrchestrator",
                $"No orchestrator named '{name}' is registered in this worker. Registered: {string.Join(", ", orchestrators.Names.Order())}.",
                NonRetryable: true));
        }

        string id = instanceId.ToString();
        var request = new P.OrchestratorRequest { InstanceId = id, ExecutionId = DurableHistory.Execution(execution) };
        request.PastEvents.AddRange(past.Select(e => DurableHistory.ToProto(e, id, execution)).OfType<P.HistoryEvent>());
        request.NewEvents.Add(new P.HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTimeOffset(now), OrchestratorStarted = new() });
        request.NewEvents.AddRange(fresh.Select(e => DurableHistory.ToProto(e, id, execution)).OfType<P.HistoryEvent>());

        string encoded = GrpcOrchestrationRunner.LoadAndRun(request.ToByteString().ToBase64(), orchestrator, services);
        return Read(P.OrchestratorResponse.Parser.ParseFrom(ByteString.FromBase64(encoded)), now);
    }

    private static EpisodeResult Read(P.OrchestratorResponse response, DateTimeOffset now)
    {
        var actions = new List<OrchestrationAction>();
        foreach (P.OrchestratorAction action in response.Actions)
        {
            switch (action.OrchestratorActionTypeCase)
            {
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.ScheduleTask:
                    actions.Add(new ScheduleActivityAction(action.Id, action.ScheduleTask.Name, Unwrap(action.ScheduleTask.Input)));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CreateTimer:
                    actions.Add(new CreateTimerAction(action.Id, action.CreateTimer.FireAt.ToDateTimeOffset()));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CreateSubOrchestration:
                    P.CreateSubOrchestrationAction child = action.CreateSubOrchestration;
                    if (!Guid.TryParse(child.InstanceId, out Guid childId))
                    {
                        return EpisodeResult.Failed(new FailureDetails(
                            "TaskFlow.InvalidInstanceId",
                            $"Sub-orchestration '{child.Name}' was given the instance id '{child.InstanceId}'; TaskFlow instance ids are UUIDs. " +
                            "Leave SubOrchestrationOptions.InstanceId unset to get one, or pass a UUID.",
                            NonRetryable: true));
                    }

                    actions.Add(new StartSubOrchestrationAction(action.Id, child.Name, childId, child.Input));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.SendEvent:
                    actions.Add(new SendEventAction(action.Id, action.SendEvent.Instance.InstanceId, action.SendEvent.Name, action.SendEvent.Data));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration:
                    return Complete(action.CompleteOrchestration, actions, response.CustomStatus, now);
                default:
                    return EpisodeResult.Failed(new FailureDetails(
                        "TaskFlow.UnsupportedAction",
                        $"The orchestrator asked for '{action.OrchestratorActionTypeCase}', which TaskFlow does not support (Durable entities among them).",
                        NonRetryable: true));
            }
        }

        return new EpisodeResult(EpisodeOutcome.Waiting, actions, null, null, null, [], response.CustomStatus);
    }

    private static EpisodeResult Complete(P.CompleteOrchestrationAction complete, List<OrchestrationAction> actions, string? customStatus, DateTimeOffset now) =>
        complete.OrchestrationStatus switch
        {
            P.OrchestrationStatus.Completed => new EpisodeResult(EpisodeOutcome.Completed, actions, complete.Result, null, null, [], customStatus),
            P.OrchestrationStatus.ContinuedAsNew => new EpisodeResult(
                EpisodeOutcome.ContinuedAsNew, actions, null, null, complete.Result,
                complete.CarryoverEvents.Select(e => DurableHistory.FromCarryover(e, now)).OfType<OrchestrationEvent>().ToList(), customStatus),
            _ => new EpisodeResult(EpisodeOutcome.Failed, actions, null, Explain(DurableHistory.ToFailure(complete.FailureDetails)), null, [], customStatus),
        };

    /// <summary>The SDK passes an activity's input through DurableTask.Core's parameter array (<c>[input]</c>) and its
    /// own activity runner strips the brackets; TaskFlow stores and runs the input itself.</summary>
    private static string? Unwrap(string? input)
    {
        if (input is null || !input.StartsWith('['))
        {
            return input;
        }

        using JsonDocument parameters = JsonDocument.Parse(input);
        return parameters.RootElement.GetArrayLength() == 1 ? parameters.RootElement[0].GetRawText() : input;
    }

    /// <summary>The SDK's message for an entity call names a worker option TaskFlow users cannot set.</summary>
    private static FailureDetails Explain(FailureDetails failure) =>
        failure.Type == typeof(NotSupportedException).FullName && failure.Message.Contains("entities", StringComparison.OrdinalIgnoreCase)
            ? failure with { Message = "TaskFlow does not support Durable entities: orchestrations may call activities, sub-orchestrations, timers and events. (" + failure.Message + ")" }
            : failure;
}
