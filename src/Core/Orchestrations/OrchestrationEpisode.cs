using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TaskFlow.Activities;
using TaskFlow.Retries;

namespace TaskFlow.Orchestrations;

/// <summary>One episode: re-runs orchestrator code against its history, feeds it the new events, and collects
/// what it decides next. Pure: no I/O, so the same history always gives the same result.</summary>
internal sealed class OrchestrationEpisode(Guid instanceId, int execution, string name) : OrchestrationContext
{
    private static readonly string[] ActionEvents = ["TaskScheduled", "TimerCreated", "SubOrchestrationCreated"];
    private readonly EpisodeScheduler scheduler = new();
    private readonly Dictionary<int, (string EventType, string Name)> recorded = [];
    private readonly Dictionary<int, PendingTask> pending = [];
    private readonly Dictionary<string, List<TaskCompletionSource<string?>>> eventWaiters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<string?>> bufferedEvents = new(StringComparer.Ordinal);
    private readonly List<OrchestrationAction> newActions = [];
    private readonly List<int> abandonedTimers = [];
    private int lastTaskId;
    private int guidCounter;
    private DateTimeOffset now;
    private bool replaying;
    private string? nonDeterminism;
    private string? continueAsNewInput;
    private bool continuedAsNew;
    private string? customStatus;
    private bool customStatusChanged;

    public override Guid InstanceId => instanceId;

    public override string Name => name;

    public override bool IsReplaying => this.replaying;

    public override DateTime CurrentUtcDateTime => this.now.UtcDateTime;

    /// <param name="orchestrator">The code to run.</param>
    /// <param name="services">For the orchestrator's constructor.</param>
    /// <param name="past">This execution's history, from ExecutionStarted on.</param>
    /// <param name="fresh">Events that arrived since the last episode, in arrival order.</param>
    public EpisodeResult Run(OrchestratorRegistration orchestrator, IServiceProvider services, IReadOnlyList<OrchestrationEvent> past, IReadOnlyList<OrchestrationEvent> fresh)
    {
        OrchestrationEvent started = past.First(e => e.EventType == "ExecutionStarted");
        this.now = started.Timestamp;
        string? inputJson = Property(started, "input");
        foreach (OrchestrationEvent action in past.Where(e => ActionEvents.Contains(e.EventType) && e.TaskId is not null))
        {
            this.recorded[action.TaskId!.Value] = (action.EventType, Property(action, "name") is { } json ? JsonSerializer.Deserialize<string>(json)! : string.Empty);
        }

        this.replaying = this.recorded.Count > 0 || past.Any(e => e.EventType is "EventRaised" or "TimerFired");
        Task<string?> run = Task.Factory.StartNew(
            () => orchestrator.RunAsync(services, this, inputJson), CancellationToken.None, TaskCreationOptions.None, this.scheduler).Unwrap();
        this.scheduler.RunUntilIdle();
        foreach (OrchestrationEvent e in past)
        {
            this.Apply(e);
        }

        if (this.nonDeterminism is null && this.recorded.Keys.Where(id => id > this.lastTaskId).Order().FirstOrDefault() is var missing and > 0)
        {
            (string eventType, string actionName) = this.recorded[missing];
            this.nonDeterminism = $"Step {missing}: history has {eventType} '{actionName}', but the orchestrator code no longer reaches that step. " +
                "Orchestrator code must be deterministic; deploy changed logic under a new orchestrator name, or let running instances finish first.";
        }

        this.replaying = false;
        foreach (OrchestrationEvent e in fresh)
        {
            this.Apply(e);
        }

        return this.Result(run);
    }

    public override Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retry = null) =>
        Convert<TResult>(this.Schedule(new ScheduleActivityAction(++this.lastTaskId, name, Serialize(input), retry ?? new RetryPolicy())));

    protected override Task<TResult> StartSubOrchestrationAsync<TResult>(string name, object? input, Guid? instanceId) =>
        Convert<TResult>(this.Schedule(new StartSubOrchestrationAction(++this.lastTaskId, name, instanceId ?? this.NewGuid(), Serialize(input))));

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var action = new CreateTimerAction(++this.lastTaskId, new DateTimeOffset(DateTime.SpecifyKind(fireAt, DateTimeKind.Utc)));
        Task<string?> fired = this.Schedule(action);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                if (this.pending.Remove(action.TaskId, out PendingTask? timer))
                {
                    this.abandonedTimers.Add(action.TaskId);
                    timer.Source.TrySetCanceled(cancellationToken);
                }
            });
        }

        return fired;
    }

    public override Task<TEvent> WaitForExternalEvent<TEvent>(string name, TimeSpan? timeout = null)
    {
        if (this.bufferedEvents.TryGetValue(name, out Queue<string?>? buffered) && buffered.TryDequeue(out string? payload))
        {
            return Task.FromResult(Deserialize<TEvent>(payload));
        }

        var waiter = new TaskCompletionSource<string?>();
        this.EventWaiters(name).Add(waiter);
        return timeout is { } limit ? this.WaitWithTimeoutAsync<TEvent>(name, waiter, limit) : Convert<TEvent>(waiter.Task);
    }

    public override void ContinueAsNew(object? input)
    {
        this.continuedAsNew = true;
        this.continueAsNewInput = Serialize(input);
    }

    public override Guid NewGuid()
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{instanceId:N}:{execution}:{++this.guidCounter}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style: name-based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public override void SetCustomStatus(object? status)
    {
        this.customStatus = Serialize(status);
        this.customStatusChanged = true;
    }

    public override ILogger CreateReplaySafeLogger(ILogger logger) => new ReplaySafeLogger(logger, () => this.replaying);

    private async Task<TEvent> WaitWithTimeoutAsync<TEvent>(string name, TaskCompletionSource<string?> waiter, TimeSpan timeout)
    {
        using var cancelTimer = new CancellationTokenSource();
        Task timer = this.CreateTimer(this.CurrentUtcDateTime + timeout, cancelTimer.Token);
        if (await Task.WhenAny(waiter.Task, timer) == timer)
        {
            this.EventWaiters(name).Remove(waiter);
            throw new TimeoutException($"Waited {timeout} for the external event '{name}'; it did not arrive. Raise it with POST /api/tasks/{instanceId}/events/{name}.");
        }

        cancelTimer.Cancel();
        return Deserialize<TEvent>(await waiter.Task);
    }

    private Task<string?> Schedule(OrchestrationAction action)
    {
        if (this.recorded.TryGetValue(action.TaskId, out (string EventType, string Name) before))
        {
            if (before.EventType != action.EventType || before.Name != action.Name)
            {
                this.nonDeterminism ??= $"Step {action.TaskId}: history has {before.EventType} '{before.Name}', but the orchestrator code now does " +
                    $"{action.EventType} '{action.Name}'. Orchestrator code must be deterministic; deploy changed logic under a new orchestrator name, or let running instances finish first.";
                throw new NonDeterministicOrchestrationException(this.nonDeterminism);
            }
        }
        else
        {
            this.newActions.Add(action);
        }

        var source = new TaskCompletionSource<string?>();
        this.pending[action.TaskId] = new PendingTask(action, source);
        return source.Task;
    }

    private void Apply(OrchestrationEvent e)
    {
        switch (e.EventType)
        {
            case "TaskCompleted" or "TimerFired" or "SubOrchestrationCompleted":
                this.Complete(e, pending => pending.Source.TrySetResult(Property(e, e.EventType == "SubOrchestrationCompleted" ? "output" : "result")));
                break;
            case "TaskFailed" when Property(e, "retrying") != "true":
                this.Complete(e, pending => pending.Source.TrySetException(
                    new ActivityFailedException(pending.Action.Name, pending.Action.TaskId, ReadFailure(e, "failure"))));
                break;
            case "SubOrchestrationFailed":
                this.Complete(e, pending => pending.Source.TrySetException(new SubOrchestrationFailedException(
                    pending.Action.Name, ((StartSubOrchestrationAction)pending.Action).InstanceId, ReadFailure(e, "error"))));
                break;
            case "EventRaised":
                this.Raise(e);
                break;
        }
    }

    private void Complete(OrchestrationEvent e, Action<PendingTask> complete)
    {
        this.Advance(e);
        if (e.TaskId is { } id && this.pending.Remove(id, out PendingTask? task))
        {
            complete(task);
            this.scheduler.RunUntilIdle();
        }
    }

    private void Raise(OrchestrationEvent e)
    {
        this.Advance(e);
        string eventName = JsonSerializer.Deserialize<string>(Property(e, "name")!)!;
        string? payload = Property(e, "input");
        List<TaskCompletionSource<string?>> waiters = this.EventWaiters(eventName);
        if (waiters.Count > 0)
        {
            TaskCompletionSource<string?> first = waiters[0];
            waiters.RemoveAt(0);
            first.TrySetResult(payload);
            this.scheduler.RunUntilIdle();
        }
        else
        {
            if (!this.bufferedEvents.TryGetValue(eventName, out Queue<string?>? queue))
            {
                this.bufferedEvents[eventName] = queue = new Queue<string?>();
            }

            queue.Enqueue(payload);
        }
    }

    private void Advance(OrchestrationEvent e)
    {
        if (e.Timestamp > this.now)
        {
            this.now = e.Timestamp;
        }
    }

    private EpisodeResult Result(Task<string?> run)
    {
        if (this.nonDeterminism is not null)
        {
            return this.Finish(EpisodeOutcome.Failed, failure: new FailureDetails(NonDeterministicOrchestrationException.ErrorType, this.nonDeterminism, NonRetryable: true));
        }

        if (!run.IsCompleted)
        {
            return this.Finish(EpisodeOutcome.Waiting);
        }

        if (run.Exception?.InnerException is { } thrown)
        {
            return this.Finish(EpisodeOutcome.Failed, failure: FailureDetails.From(thrown));
        }

        if (run.IsCanceled)
        {
            return this.Finish(EpisodeOutcome.Failed, failure: new FailureDetails(
                typeof(OperationCanceledException).FullName!, "The orchestrator code ended with a cancellation it did not handle."));
        }

        return this.continuedAsNew
            ? this.Finish(EpisodeOutcome.ContinuedAsNew)
            : this.Finish(EpisodeOutcome.Completed, output: run.Result);
    }

    private EpisodeResult Finish(EpisodeOutcome outcome, string? output = null, FailureDetails? failure = null) => new(
        outcome,
        outcome == EpisodeOutcome.Waiting ? this.newActions : [],
        this.abandonedTimers,
        output,
        failure,
        this.continueAsNewInput,
        this.customStatus,
        this.customStatusChanged);

    private List<TaskCompletionSource<string?>> EventWaiters(string eventName)
    {
        if (!this.eventWaiters.TryGetValue(eventName, out List<TaskCompletionSource<string?>>? waiters))
        {
            this.eventWaiters[eventName] = waiters = [];
        }

        return waiters;
    }

    private static async Task<T> Convert<T>(Task<string?> json) => Deserialize<T>(await json);

    private static T Deserialize<T>(string? json) => json is null ? default! : JsonSerializer.Deserialize<T>(json, TaskFlowJson.Options)!;

    private static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, TaskFlowJson.Options);

    /// <summary>A payload property as raw JSON, or null when absent or JSON null.</summary>
    private static string? Property(OrchestrationEvent e, string property)
    {
        if (e.PayloadJson is null)
        {
            return null;
        }

        using JsonDocument payload = JsonDocument.Parse(e.PayloadJson);
        return payload.RootElement.TryGetProperty(property, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value.GetRawText() : null;
    }

    private static FailureDetails ReadFailure(OrchestrationEvent e, string property) =>
        Property(e, property) is { } json ? JsonSerializer.Deserialize<FailureDetails>(json, TaskFlowJson.Options)! : new FailureDetails("Unknown", "No failure details were recorded.");

    private sealed record PendingTask(OrchestrationAction Action, TaskCompletionSource<string?> Source);
}
