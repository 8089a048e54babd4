using System.Text.Json.Nodes;

namespace TaskFlow.Orchestrations;

/// <summary>Decides what an entity's next batch runs, with the Durable Task Framework's rules (its entity dispatcher's
/// "DetermineWork"), on the framework's own JSON: so the server and a Durable host run each other's entities.</summary>
/// <remarks>
/// <para>Requests are queued in arrival order and run one at a time; a critical section's lock request, once it reaches
/// the head of the queue, locks the entity for its orchestration, whose requests then go first and alone until its
/// release. A request due later that came early (not here: TaskFlow delivers those at their time) is sent back.</para>
/// <para>No message sorter: the store delivers each message once, in commit order (reorder window zero), so the
/// framework's sorter state is kept as it is.</para>
/// </remarks>
internal static class EntityScheduler
{
    public const string LockAcquisitionCompletion = "Lock Acquisition Completed";

    /// <param name="schedulerStateJson">The scheduler state the last batch saved; null for a new (or deleted and idle) entity.</param>
    /// <param name="messages">The messages read, in arrival order: each event's name and its JSON input.</param>
    /// <param name="maxBatch">The most operations one batch runs.</param>
    public static EntityBatchPlan Plan(string? schedulerStateJson, IEnumerable<(string Name, JsonNode? Input)> messages, DateTimeOffset now, int maxBatch)
    {
        var state = new EntitySchedulerState(schedulerStateJson);
        var plan = new EntityBatchPlan(state);
        var lockHolderMessages = new List<JsonObject>();
        foreach ((string name, JsonNode? input) in messages)
        {
            if (name.StartsWith("op", StringComparison.Ordinal) && input is JsonObject request)
            {
                if (DueTime(request) is { } due && due - now > TimeSpan.FromMilliseconds(100))
                {
                    plan.Rescheduled.Add(request);
                }
                else if (state.LockedBy is { } owner && owner == Parent(request))
                {
                    lockHolderMessages.Add(request);
                }
                else
                {
                    state.Queue.Add(request);
                }
            }
            else if (name == "release" && input is JsonObject release)
            {
                if (state.LockedBy == Parent(release))
                {
                    state.LockedBy = null;
                }
            }
            else if (name == "continue")
            {
                state.Suspended = false;
            }
        }

        // The lock holder's requests go to the front of the queue.
        state.Queue.InsertRange(0, lockHolderMessages);
        if (!state.Suspended)
        {
            while (state.Queue.Count > 0 && (state.LockedBy is null || state.LockedBy == Parent(state.Queue[0])))
            {
                if (plan.Operations.Count == maxBatch)
                {
                    // Write back what ran, and continue with the rest in the next batch.
                    state.Suspended = true;
                    plan.Continue = true;
                    break;
                }

                JsonObject next = state.Queue[0];
                state.Queue.RemoveAt(0);
                if (next["lockset"] is JsonArray)
                {
                    plan.LockRequest = next;
                    break;
                }

                plan.Operations.Add(next);
            }
        }

        return plan;
    }

    /// <summary>The orchestration (or entity) that sent a request or release.</summary>
    public static string? Parent(JsonObject message) => message["parent"]?.GetValue<string>();

    private static DateTimeOffset? DueTime(JsonObject request) =>
        request["due"] is JsonValue due && due.TryGetValue(out DateTime time) ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
}

/// <summary>What a batch does: operations to run now, at most one lock to grant after them, early requests to send
/// back for their time, and whether to continue with a next batch at once.</summary>
internal sealed class EntityBatchPlan(EntitySchedulerState state)
{
    public EntitySchedulerState State { get; } = state;

    public List<JsonObject> Operations { get; } = [];

    public JsonObject? LockRequest { get; set; }

    public List<JsonObject> Rescheduled { get; } = [];

    public bool Continue { get; set; }
}

/// <summary>The Durable Task Framework's scheduler state of an entity (its JSON names: <c>state</c>, the entity's
/// serialized state; <c>queue</c>, the requests waiting; <c>lockedBy</c>; <c>suspended</c>; <c>sorter</c>, kept as it is).</summary>
internal sealed class EntitySchedulerState
{
    private readonly JsonObject json;

    public EntitySchedulerState(string? schedulerStateJson)
    {
        this.json = schedulerStateJson is null ? [] : JsonNode.Parse(schedulerStateJson)?.AsObject() ?? [];
        this.Queue = this.json["queue"] is JsonArray queue ? queue.Select(request => request!.DeepClone().AsObject()).ToList() : [];
    }

    /// <summary>The entity's state as its data converter serialized it; null when it has none (never set, or deleted).</summary>
    public string? EntityState
    {
        get => this.json["state"]?.GetValue<string>();
        set => this.Set("state", value);
    }

    public string? LockedBy
    {
        get => this.json["lockedBy"]?.GetValue<string>();
        set => this.Set("lockedBy", value);
    }

    public bool Suspended
    {
        get => this.json["suspended"]?.GetValue<bool>() ?? false;
        set => this.Set("suspended", value ? true : null);
    }

    public List<JsonObject> Queue { get; }

    /// <summary>The state to save: null when the entity has nothing left (no state, no queue, no lock), as the
    /// framework saves a deleted, idle entity.</summary>
    public string? ToJson()
    {
        if (this.EntityState is null && this.Queue.Count == 0 && this.LockedBy is null && !this.Suspended)
        {
            return null;
        }

        this.Set("queue", this.Queue.Count == 0 ? null : new JsonArray([.. this.Queue.Select(request => (JsonNode)request.DeepClone())]));
        return this.json.ToJsonString();
    }

    /// <summary>The framework's entity status (<c>EntityStatus</c>), which the store keeps as the custom status.</summary>
    public string StatusJson()
    {
        var status = new JsonObject();
        if (this.EntityState is not null)
        {
            status["entityExists"] = true;
        }

        if (this.Queue.Count > 0)
        {
            status["queueSize"] = this.Queue.Count;
        }

        if (this.LockedBy is not null)
        {
            status["lockedBy"] = this.LockedBy;
        }

        return status.ToJsonString();
    }

    private void Set(string name, JsonNode? value)
    {
        if (value is null)
        {
            this.json.Remove(name);
        }
        else
        {
            this.json[name] = value;
        }
    }
}
