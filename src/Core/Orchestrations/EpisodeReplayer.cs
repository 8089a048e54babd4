using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.Caching.Memory;
using TaskFlow.Activities;
using TaskFlow.Instances;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Orchestrations;

/// <summary>Replays one episode through the Durable Task SDK's own orchestration runner (the entry point Durable
/// Functions' isolated worker calls): the stored history as past events, <c>OrchestratorStarted</c> and the inbox
/// as new ones. Replay rules, non-determinism checks and retry semantics are therefore the SDK's.</summary>
/// <remarks>
/// <para>Pure but for the orchestrator code itself: no I/O, so the same history always gives the same result.</para>
/// <para>Sessions: the SDK can keep an orchestration's replayed state in memory between episodes (the extended
/// sessions Durable Functions offers), so the next episode on this worker feeds it only the new events instead of
/// replaying the whole history. TaskFlow uses a session only when it knows the state matches the database: it
/// remembers the history sequence each committed episode left, and an instance whose history moved elsewhere (another
/// worker's episode, a suspend) or whose commit failed is replayed from its full history again.</para>
/// </remarks>
internal sealed class EpisodeReplayer(OrchestratorRegistry orchestrators, IServiceProvider services) : IDisposable
{
    public static readonly TimeSpan SessionIdleTimeout = TimeSpan.FromSeconds(30);
    private readonly ExtendedSessionsCache sdkSessions = new();
    private readonly MemoryCache committed = new(new MemoryCacheOptions());

    /// <summary>Whether this worker holds a session for the instance (it may still turn out stale).</summary>
    public bool HasSession(string instanceId) => this.committed.TryGetValue(instanceId, out _);

    /// <summary>Takes this worker's session for the instance if it holds the SDK's state exactly as the history now
    /// stands. Taken, it is out of use until the episode commits (<see cref="Committed"/>): an episode that outlived
    /// its lease may still be running on it, and a second episode must not share that state.</summary>
    public bool TryTakeSession(string instanceId, int execution, int lastSequence)
    {
        lock (this.committed) // two episodes of one instance (the first outlived its lease) must not both take it
        {
            if (!this.committed.TryGetValue(instanceId, out (int Execution, int LastSequence) at) || at != (execution, lastSequence))
            {
                return false;
            }

            this.committed.Remove(instanceId);
            return true;
        }
    }

    /// <summary>After a commit: the session now matches the history at <paramref name="lastSequence"/>.</summary>
    public void Committed(string instanceId, int execution, int lastSequence)
    {
        lock (this.committed)
        {
            this.committed.Set(instanceId, (execution, lastSequence), new MemoryCacheEntryOptions { SlidingExpiration = SessionIdleTimeout });
        }
    }

    /// <summary>The session may no longer match the history (a failed commit, an ended execution): replay in full next time.</summary>
    public void Forget(string instanceId)
    {
        lock (this.committed)
        {
            this.committed.Remove(instanceId);
        }
    }

    public void Dispose()
    {
        this.sdkSessions.Dispose();
        this.committed.Dispose();
    }

    /// <param name="past">This execution's history (rows the SDK does not replay are skipped); null to continue the
    /// session this worker holds (see <see cref="TryTakeSession"/>).</param>
    /// <param name="fresh">Events that arrived since the last episode, in arrival order.</param>
    /// <param name="now">The episode's time (the database clock): the new <c>OrchestratorStarted</c>, hence <c>CurrentUtcDateTime</c>.</param>
    /// <returns>The result, or null when <paramref name="past"/> was null and the SDK no longer holds the session: call
    /// again with the history.</returns>
    public EpisodeResult? Replay(
        string instanceId, int execution, string name, IReadOnlyList<OrchestrationEvent>? past, IReadOnlyList<OrchestrationEvent> fresh, DateTimeOffset now)
    {
        ITaskOrchestrator? orchestrator = orchestrators.Create(name);
        if (orchestrator is null)
        {
            return EpisodeResult.Failed(new FailureDetails(
                "TaskFlow.UnknownOrchestrator",
                $"No orchestrator named '{name}' is registered in this worker. Registered: {string.Join(", ", orchestrators.Names.Order())}.",
                NonRetryable: true));
        }

        var request = new P.OrchestratorRequest
        {
            InstanceId = instanceId,
            ExecutionId = DurableHistory.Execution(execution),
            Properties =
            {
                ["ExtendedSessionIdleTimeoutInSeconds"] = Value.ForNumber(SessionIdleTimeout.TotalSeconds),
                ["IsExtendedSession"] = Value.ForBool(true),
                ["IncludeState"] = Value.ForBool(past is not null),
            },

            // Entities through context.Entities, in the Durable Task Framework's message format (EntityBatchRunner reads
            // it). The store delivers each message once, in order: no reordering window.
            EntityParameters = new P.OrchestratorEntityParameters { EntityMessageReorderWindow = Duration.FromTimeSpan(TimeSpan.Zero) },
        };
        request.PastEvents.AddRange((past ?? []).Select(e => DurableHistory.ToProto(e, instanceId, execution)).OfType<P.HistoryEvent>());
        request.NewEvents.Add(new P.HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTimeOffset(now), OrchestratorStarted = new() });
        request.NewEvents.AddRange(fresh.Select(e => DurableHistory.ToProto(e, instanceId, execution)).OfType<P.HistoryEvent>());

        string encoded = GrpcOrchestrationRunner.LoadAndRun(request.ToByteString().ToBase64(), orchestrator, this.sdkSessions, services);
        P.OrchestratorResponse response = P.OrchestratorResponse.Parser.ParseFrom(ByteString.FromBase64(encoded));
        return response.RequiresHistory ? null : Read(response, now);
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
                    if (!InstanceIds.IsValid(child.InstanceId))
                    {
                        return EpisodeResult.Failed(new FailureDetails(
                            "TaskFlow.InvalidInstanceId",
                            $"Sub-orchestration '{child.Name}' was given the instance id '{child.InstanceId}'; use {InstanceIds.Rule}, or leave it unset to get one.",
                            NonRetryable: true));
                    }

                    actions.Add(new StartSubOrchestrationAction(action.Id, child.Name, child.InstanceId, child.Input));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.SendEvent:
                    actions.Add(new SendEventAction(action.Id, action.SendEvent.Instance.InstanceId, action.SendEvent.Name, action.SendEvent.Data));
                    break;
                case P.OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration:
                    return Complete(action.CompleteOrchestration, actions, response.CustomStatus, now);
                default:
                    return EpisodeResult.Failed(new FailureDetails(
                        "TaskFlow.UnsupportedAction",
                        $"The orchestrator asked for '{action.OrchestratorActionTypeCase}', which TaskFlow does not support.",
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
            _ => new EpisodeResult(EpisodeOutcome.Failed, actions, null, DurableHistory.ToFailure(complete.FailureDetails), null, [], customStatus),
        };

    /// <summary>The SDK passes an activity's input through DurableTask.Core's parameter array (<c>[input]</c>) and its
    /// own activity runner strips the brackets; TaskFlow stores and runs the input itself.</summary>
    /// <remarks>As text, as the SDK does: an orchestration scheduling 10,000 activities would otherwise parse 10,000 inputs.</remarks>
    private static string? Unwrap(string? input) =>
        input is not null && input.StartsWith('[') && input.EndsWith(']') ? input[1..^1] : input;
}
