using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker.Grpc;
using Npgsql;
using TaskFlow.WorkItems;
using P = Microsoft.DurableTask.Protobuf;

namespace TaskFlow.Orchestrations;

/// <summary>Runs one leased batch of a Durable entity on the server: loads the entity and its messages
/// (<see cref="EpisodeStore"/>), decides what runs (<see cref="EntityScheduler"/>), runs the operations through the
/// Durable Task SDK's own entity runner (the entry point Durable Functions' isolated worker calls), and commits the
/// new state with the responses, signals and lock messages in one transaction, as an orchestration episode commits.</summary>
internal sealed class EntityBatchRunner(EpisodeStore store, DurableTaskRegistry registry, IServiceProvider services)
{
    /// <summary>Durable's default batch size outside the Consumption plan (<c>maxEntityOperationBatchSize</c>).</summary>
    public const int MaxBatch = 5000;

    private readonly Dictionary<string, Func<IServiceProvider, ITaskEntity>> entities =
        registry.GetEntities().ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    /// <returns>False when the batch did not commit: its lease was lost (another worker runs it).</returns>
    public async Task<bool> RunBatchAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        EpisodeState? state = await store.LoadAsync(connection, lease.InstanceId, withHistory: false, cancellationToken);
        if (state is null || !state.IsRunnable(lease) || !state.Fresh.Any())
        {
            return (await store.CommitAsync(connection, lease, state is not null && state.IsRunnable(lease) ? state : null, null, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed;
        }

        IEnumerable<(string, JsonNode?)> messages = state.Fresh
            .Where(e => e.Event.EventType == "EventRaised" && e.Event.PayloadJson is not null)
            .Select(e => JsonNode.Parse(e.Event.PayloadJson!)!.AsObject())
            .Select(payload => (payload["name"]?.GetValue<string>() ?? string.Empty, payload["input"]));
        EntityBatchPlan plan = EntityScheduler.Plan(state.EntityStateJson, messages, state.Now, MaxBatch);
        var effects = new List<OrchestrationAction>();
        if (plan.Operations.Count > 0)
        {
            await this.RunOperationsAsync(lease.InstanceId, plan, effects);
        }

        if (plan.LockRequest is { } lockRequest)
        {
            GrantLock(plan.State, lockRequest, effects);
        }

        foreach (JsonObject early in plan.Rescheduled)
        {
            // Not reached through TaskFlow's own delivery (a message due later waits as a timer); kept for messages
            // another host sent with a time the store did not see.
            effects.Add(Send(effects, lease.InstanceId, $"op@{early["due"]!.GetValue<DateTime>():o}", early));
        }

        if (plan.Continue)
        {
            effects.Add(Send(effects, lease.InstanceId, "continue", null));
        }

        var result = new EpisodeResult(EpisodeOutcome.EntityBatch, effects, null, null, plan.State.ToJson(), [], plan.State.StatusJson());
        return (await store.CommitAsync(connection, lease, state, result, cancellationToken)).Outcome == EpisodeCommitOutcome.Committed;
    }

    /// <summary>Runs the operations through the SDK's entity runner; answers each call (not the signals) to its caller,
    /// and turns the entity's own signals and new orchestrations into messages.</summary>
    private async Task RunOperationsAsync(string instanceId, EntityBatchPlan plan, List<OrchestrationAction> effects)
    {
        var request = new P.EntityBatchRequest { InstanceId = instanceId, EntityState = plan.State.EntityState };
        request.Operations.AddRange(plan.Operations.Select(op => new P.OperationRequest
        {
            Operation = op["op"]?.GetValue<string>() ?? string.Empty,
            RequestId = op["id"]?.GetValue<string>() ?? string.Empty,
            Input = op["input"]?.GetValue<string>(),
        }));

        P.EntityBatchResult batch = await this.RunAsync(instanceId, request);
        for (int i = 0; i < plan.Operations.Count; i++)
        {
            JsonObject operation = plan.Operations[i];
            if (operation["signal"]?.GetValue<bool>() == true || EntityScheduler.Parent(operation) is not { } caller)
            {
                continue;
            }

            // An operation the batch did not reach (it failed as a whole) fails with the batch's failure.
            P.OperationResult? outcome = i < batch.Results.Count ? batch.Results[i] : null;
            var response = new JsonObject();
            if (outcome?.Success is { } success)
            {
                response["result"] = success.Result;
            }
            else
            {
                P.TaskFailureDetails failure = outcome?.Failure?.FailureDetails ?? batch.FailureDetails
                    ?? new P.TaskFailureDetails { ErrorType = "TaskFlow.EntityBatchFailed", ErrorMessage = "The entity's batch ended before this operation." };
                response["result"] = null;
                response["failureDetails"] = Failure(failure);
            }

            effects.Add(new SendEventAction(effects.Count, caller, operation["id"]!.GetValue<string>(), response.ToJsonString()));
        }

        plan.State.EntityState = batch.EntityState;

        foreach (P.OperationAction action in batch.Actions)
        {
            if (action.SendSignal is { } signal)
            {
                var message = new JsonObject
                {
                    ["op"] = signal.Name,
                    ["signal"] = true,
                    ["input"] = signal.Input,
                    ["id"] = Guid.NewGuid().ToString(),
                    ["parent"] = instanceId,
                };
                string name = "op";
                if (signal.ScheduledTime is { } at)
                {
                    message["due"] = at.ToDateTime();
                    name = $"op@{at.ToDateTime():o}";
                }

                effects.Add(Send(effects, signal.InstanceId, name, message));
            }
            else if (action.StartNewOrchestration is { } start)
            {
                effects.Add(new StartOrchestrationAction(effects.Count, start.Name, start.InstanceId, start.Input));
            }
        }
    }

    private async Task<P.EntityBatchResult> RunAsync(string instanceId, P.EntityBatchRequest request)
    {
        string name = instanceId[1..instanceId.IndexOf('@', 1)];
        if (!this.entities.TryGetValue(name, out Func<IServiceProvider, ITaskEntity>? create))
        {
            return new P.EntityBatchResult
            {
                EntityState = request.EntityState,
                FailureDetails = new P.TaskFailureDetails
                {
                    ErrorType = "TaskFlow.UnknownEntity",
                    ErrorMessage = $"No entity named '{name}' is registered in this worker. Registered: {string.Join(", ", this.entities.Keys.Order())}.",
                    IsNonRetriable = true,
                },
            };
        }

        string encoded = await GrpcEntityRunner.LoadAndRunAsync(request.ToByteString().ToBase64(), create(services), services);
        return P.EntityBatchResult.Parser.ParseFrom(ByteString.FromBase64(encoded));
    }

    /// <summary>The entity is locked for the critical section; the request goes on to the next entity of its lock set,
    /// or, from the last, the orchestration hears that it holds them all.</summary>
    private static void GrantLock(EntitySchedulerState state, JsonObject request, List<OrchestrationAction> effects)
    {
        string owner = EntityScheduler.Parent(request)!;
        state.LockedBy = owner;
        JsonArray lockSet = request["lockset"]!.AsArray();
        int position = (request["pos"]?.GetValue<int>() ?? 0) + 1;
        request["pos"] = position;
        if (position < lockSet.Count)
        {
            JsonNode next = lockSet[position]!;
            effects.Add(Send(effects, $"@{next["name"]!.GetValue<string>()}@{next["key"]!.GetValue<string>()}", "op", request));
        }
        else
        {
            effects.Add(new SendEventAction(effects.Count, owner, request["id"]!.GetValue<string>(), new JsonObject { ["result"] = EntityScheduler.LockAcquisitionCompletion }.ToJsonString()));
        }
    }

    private static SendEventAction Send(List<OrchestrationAction> effects, string target, string name, JsonObject? message) =>
        new(effects.Count, target, name, message?.ToJsonString());

    /// <summary>A failure as the Durable Task Framework's <c>FailureDetails</c> serializes (its property names).</summary>
    private static JsonObject Failure(P.TaskFailureDetails failure) => new()
    {
        ["ErrorType"] = failure.ErrorType,
        ["ErrorMessage"] = failure.ErrorMessage,
        ["StackTrace"] = failure.StackTrace,
        ["InnerFailure"] = failure.InnerFailure is { } inner ? Failure(inner) : null,
        ["IsNonRetriable"] = failure.IsNonRetriable,
    };
}
