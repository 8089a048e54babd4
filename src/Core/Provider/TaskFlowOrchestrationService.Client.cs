using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Newtonsoft.Json;
using TaskFlow.Entities;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Orchestrations;
using CoreFailure = DurableTask.Core.FailureDetails;
using FailureDetails = TaskFlow.Activities.FailureDetails;
using PurgeResult = DurableTask.Core.PurgeResult;

namespace TaskFlow.Provider;

/// <summary>The client side: starting, signalling, querying and purging instances, through the same store
/// operations as TaskFlow's API and its <c>DurableTaskClient</c> (the same rules: a chosen id whose instance has not
/// finished cannot be started again; a finished one is replaced).</summary>
public sealed partial class TaskFlowOrchestrationService
{
    /// <summary>A start's tag naming who asked for it (the Function App puts its caller's key id or token subject there,
    /// since Durable's client carries no caller): recorded as the actor instead of <c>durable-client</c>, not kept as a tag.</summary>
    public const string ActorTag = "taskflow:actor";

    private const string ClientActor = "durable-client";
    private static readonly TimeSpan LongestWaitPoll = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc/>
    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => this.CreateTaskOrchestrationAsync(creationMessage, null!);

    /// <inheritdoc/>
    /// <exception cref="OrchestrationAlreadyExistsException">An instance with the id exists in one of
    /// <paramref name="dedupeStatuses"/>, or has not finished (an unfinished instance is never replaced).</exception>
    public async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses)
    {
        if (creationMessage.Event is not ExecutionStartedEvent start)
        {
            throw new ArgumentException($"An orchestration starts with ExecutionStarted, not {creationMessage.Event.EventType}.", nameof(creationMessage));
        }

        string id = InstanceIds.Check(creationMessage.OrchestrationInstance?.InstanceId ?? start.OrchestrationInstance?.InstanceId ?? InstanceIds.New(this.time.GetUtcNow()), nameof(creationMessage));
        if (dedupeStatuses is { Length: > 0 } && await this.client.GetTaskAsync(id) is { } existing
            && dedupeStatuses.Contains(DurableStatuses.ToDurable(existing.Status)))
        {
            throw new OrchestrationAlreadyExistsException($"An orchestration with id '{id}' exists and is {existing.Status}.");
        }

        Dictionary<string, string> tags = new(start.Tags ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        string actor = tags.Remove(ActorTag, out string? caller) && caller.Length > 0 ? caller : ClientActor;
        // Durable's HTTP API starts an instance without a body as an empty input: no input, as Durable's own backends read it.
        string? input = string.IsNullOrWhiteSpace(start.Input) ? null : AsJson(start.Input);
        var submission = new TaskSubmission(
            start.Name, input, Priority: 5, start.ScheduledStartTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
            Delay: null, new Retries.RetryPolicy(), Timeout: null, IdempotencyKey: null, tags,
            SHA256.HashData(Encoding.UTF8.GetBytes($"{start.Name}|{input}")), id, IsOrchestration: true,
            TraceParent: start.ParentTraceContext?.TraceParent); // the client's span (Durable's client sends it): the task's trace
        try
        {
            await this.client.ScheduleNewTaskAsync(submission, actor);
        }
        catch (InstanceAlreadyRunningException running)
        {
            throw new OrchestrationAlreadyExistsException(running.Message);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Raised events, terminate, suspend and resume; messages to an instance that does not exist (or has
    /// finished) are dropped, as Durable Task drops them.</remarks>
    public async Task SendTaskOrchestrationMessageAsync(TaskMessage message)
    {
        string id = message.OrchestrationInstance.InstanceId;
        switch (message.Event)
        {
            case ExecutionStartedEvent:
                await this.CreateTaskOrchestrationAsync(message);
                break;
            case EventRaisedEvent raised when EntityIds.IsEntity(id):
                await this.entities.SendAsync(id, raised.Name, raised.Input, ClientActor);
                break;
            case EventRaisedEvent raised:
                await this.client.RaiseEventAsync(id, raised.Name, raised.Input, ClientActor);
                break;
            case ExecutionTerminatedEvent terminated:
                // Its input is the reason, and the output the terminated instance shows.
                await this.client.TerminateTaskAsync(id, ClientActor, terminated.Input, outputJson: AsJson(terminated.Input));
                break;
            case ExecutionSuspendedEvent suspended:
                await this.client.SuspendTaskAsync(id, ClientActor, suspended.Reason);
                break;
            case ExecutionResumedEvent resumed:
                await this.client.ResumeTaskAsync(id, ClientActor, resumed.Reason);
                break;
            default:
                throw new NotSupportedException($"TaskFlow's orchestration service does not take {message.Event.EventType} messages from a client.");
        }
    }

    /// <inheritdoc/>
    public async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        foreach (TaskMessage message in messages)
        {
            await this.SendTaskOrchestrationMessageAsync(message);
        }
    }

    /// <inheritdoc/>
    public async Task<OrchestrationState?> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DateTimeOffset giveUpAt = this.Deadline(timeout);
        TimeSpan pause = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            OrchestrationState? state = await this.GetOrchestrationStateAsync(instanceId, executionId);
            if (state is { OrchestrationStatus: OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated })
            {
                return state;
            }

            if (this.time.GetUtcNow() + pause > giveUpAt)
            {
                return null;
            }

            await Task.Delay(pause, this.time, cancellationToken);
            pause = pause * 2 < LongestWaitPoll ? pause * 2 : LongestWaitPoll;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The reason is also the output the terminated instance shows, as in Durable Task.</remarks>
    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) =>
        this.client.TerminateTaskAsync(instanceId, ClientActor, reason, outputJson: AsJson(reason));

    /// <inheritdoc/>
    /// <remarks>TaskFlow keeps the current execution's state only; earlier executions are in the history.</remarks>
    public async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        await this.GetOrchestrationStateAsync(instanceId, executionId: null!) is { } state ? [state] : [];

    /// <inheritdoc/>
    public async Task<OrchestrationState?> GetOrchestrationStateAsync(string instanceId, string executionId) =>
        InstanceIds.IsValid(instanceId) && await this.client.GetTaskAsync(instanceId) is { } task
            && (executionId is null || executionId == DurableHistory.Execution(task.Execution))
            ? State(task, withInputs: true)
            : null;

    /// <inheritdoc/>
    /// <remarks>The Durable Task events of the execution, as JSON (the form the Durable extension's status API reads).</remarks>
    public async Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId)
    {
        List<HistoryEvent> events = await FrameworkHistory.ExecutionAsync(
            this.client, InstanceIds.Check(instanceId, nameof(instanceId)), int.TryParse(executionId, out int chosen) ? chosen : null, CancellationToken.None);
        return JsonConvert.SerializeObject(events, new JsonSerializerSettings { TypeNameHandling = TypeNameHandling.Objects });
    }

    /// <inheritdoc/>
    public async Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        await this.PurgeInstanceStateAsync(new PurgeInstanceFilter(DateTime.MinValue, thresholdDateTimeUtc, null));

    /// <inheritdoc/>
    public async Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) =>
        new(InstanceIds.IsValid(instanceId) && await this.client.PurgeTaskAsync(instanceId) ? 1 : 0);

    /// <inheritdoc/>
    /// <remarks>Finished instances only (Durable Task's rule), created in the filter's range.</remarks>
    public async Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter)
    {
        OrchestrationStatus[] finished = [OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated];
        var query = new OrchestrationQuery
        {
            CreatedTimeFrom = purgeInstanceFilter.CreatedTimeFrom,
            CreatedTimeTo = purgeInstanceFilter.CreatedTimeTo,
            RuntimeStatus = (purgeInstanceFilter.RuntimeStatus?.Intersect(finished) ?? finished).ToList(),
            PageSize = 500,
        };
        int purged = 0;
        do
        {
            OrchestrationQueryResult page = await this.GetOrchestrationWithQueryAsync(query, CancellationToken.None);
            foreach (OrchestrationState state in page.OrchestrationState)
            {
                purged += (await this.PurgeInstanceStateAsync(state.OrchestrationInstance.InstanceId)).DeletedInstanceCount;
            }

            query.ContinuationToken = page.ContinuationToken;
        }
        while (query.ContinuationToken is not null);
        return new PurgeResult(purged);
    }

    /// <inheritdoc/>
    /// <remarks>Newest first, a page at a time; <see cref="OrchestrationQuery.TaskHubNames"/> is ignored (one database is one task hub).</remarks>
    public async Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        int limit = Math.Clamp(query.PageSize, 1, 1_000);
        var taskQuery = new TaskQuery(
            CreatedFrom: query.CreatedTimeFrom is { } from && from > DateTime.MinValue ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null,
            CreatedTo: query.CreatedTimeTo is { } to && to < DateTime.MaxValue ? new DateTimeOffset(DateTime.SpecifyKind(to, DateTimeKind.Utc)) : null,
            After: DurableStatuses.DecodeContinuation(query.ContinuationToken),
            Limit: limit,
            StoredStatuses: query.RuntimeStatus?.SelectMany(status => DurableStatuses.Stored(status)).Distinct().ToList(),
            IdPrefix: string.IsNullOrEmpty(query.InstanceIdPrefix) ? null : query.InstanceIdPrefix);
        IReadOnlyList<TaskRecord> page = await this.client.ListTasksAsync(taskQuery, cancellationToken);
        return new OrchestrationQueryResult(
            page.Select(task => State(task, query.FetchInputsAndOutputs)).ToList(),
            page.Count == limit ? DurableStatuses.EncodeContinuation(page[^1]) : null);
    }

    /// <summary>Text as JSON: itself when it is JSON (what the SDK's clients send), else a JSON string of it (what
    /// Durable Functions' in-process client sends as a terminate reason).</summary>
    private static string? AsJson(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            using var _ = JsonDocument.Parse(text);
            return text;
        }
        catch (System.Text.Json.JsonException)
        {
            return System.Text.Json.JsonSerializer.Serialize(text);
        }
    }

    private static OrchestrationState State(TaskRecord task, bool withInputs)
    {
        FailureDetails? failure = task.ErrorJson is { } error ? System.Text.Json.JsonSerializer.Deserialize<FailureDetails>(error, TaskFlowJson.Options) : null;
        return new OrchestrationState
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = task.Id, ExecutionId = DurableHistory.Execution(task.Execution) },
            Name = task.Type,
            Version = string.Empty,
            OrchestrationStatus = DurableStatuses.ToDurable(task.Status),
            CreatedTime = task.CreatedAt.UtcDateTime,
            LastUpdatedTime = task.UpdatedAt.UtcDateTime,
            CompletedTime = task.CompletedAt?.UtcDateTime ?? DateTime.MinValue,
            ScheduledStartTime = task.RunAt > task.CreatedAt ? task.RunAt.UtcDateTime : null,
            Input = withInputs ? task.InputJson : null,

            // Durable Task's own backends answer a failed instance's output with the failure's message.
            Output = withInputs ? task.OutputJson ?? failure?.Message : null,
            Status = task.CustomStatusJson,
            Tags = task.Tags.ToDictionary(),
            FailureDetails = failure is null ? null : ToCore(failure),
        };
    }

    private static CoreFailure ToCore(FailureDetails failure) =>
        new(failure.Type, failure.Message, failure.StackTrace, failure.InnerFailure is { } inner ? ToCore(inner) : null, failure.NonRetryable);
}
