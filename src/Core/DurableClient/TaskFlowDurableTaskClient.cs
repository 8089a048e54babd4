using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Entities;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Orchestrations;

namespace TaskFlow.DurableClient;

/// <summary>The Durable Task SDK's <see cref="DurableTaskClient"/> over TaskFlow's store, so code written against
/// Durable Functions' <c>[DurableClient]</c> runs against TaskFlow unchanged. Registered by <c>AddTaskFlow</c>.</summary>
/// <remarks>Instance ids follow <see cref="InstanceIds"/>. Starting an id whose instance has not finished fails with
/// <see cref="InstanceAlreadyRunningException"/>; a finished one is replaced, as in Durable Functions. Statuses map as: scheduled and pending → Pending, running → Running,
/// suspended → Suspended, succeeded → Completed, failed → Failed, cancelled → Terminated.</remarks>
public sealed class TaskFlowDurableTaskClient : DurableTaskClient
{
    private const string Actor = "durable-client";
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromMilliseconds(500);
    private readonly TaskFlowClient tasks;
    private readonly DataConverter converter;
    private readonly TimeProvider time;

    internal TaskFlowDurableTaskClient(TaskFlowClient tasks, DataConverter converter, TimeProvider time, EntityClient entities)
        : base("TaskFlow")
    {
        this.tasks = tasks;
        this.converter = converter;
        this.time = time;
        this.Entities = new TaskFlowDurableEntityClient(entities, converter);
    }

    /// <inheritdoc/>
    /// <remarks>Signals, reads and cleaning of Durable entities, which the server's workers (or a Durable host) run.</remarks>
    public override DurableEntityClient Entities { get; }

    /// <inheritdoc/>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        string? id = options?.InstanceId is { } chosen ? InstanceIds.Check(chosen, nameof(options)) : null;
        string? inputJson = this.converter.Serialize(input);
        var submission = new TaskSubmission(
            orchestratorName.Name, inputJson, Priority: 5, options?.StartAt, Delay: null, new Retries.RetryPolicy(), Timeout: null, IdempotencyKey: null,
            options?.Tags ?? new Dictionary<string, string>(), SHA256.HashData(Encoding.UTF8.GetBytes($"{orchestratorName.Name}|{inputJson}")), id,
            IsOrchestration: true); // this API always starts an orchestration, whatever this process registered
        try
        {
            (TaskRecord task, _) = await this.tasks.ScheduleNewTaskAsync(submission, Actor, cancellation);
            return task.Id;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.TableName == "instances")
        {
            // Another caller started the same id at the same moment.
            throw new InstanceAlreadyRunningException(id!, TaskStatuses.Pending);
        }
    }

    /// <inheritdoc/>
    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        this.tasks.RaiseEventAsync(ParseId(instanceId), eventName, this.converter.Serialize(eventPayload), Actor, cancellation);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        this.WaitForAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        this.WaitForAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    /// <inheritdoc/>
    /// <remarks>As a cancel over the API: running activities have their cancellation token signalled, and unfinished
    /// children are terminated too.</remarks>
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        this.tasks.TerminateTaskAsync(ParseId(instanceId), Actor, "Terminated through DurableTaskClient.", cancellation, this.converter.Serialize(options?.Output));

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        this.tasks.SuspendTaskAsync(ParseId(instanceId), Actor, reason, cancellation);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        this.tasks.ResumeTaskAsync(ParseId(instanceId), Actor, reason, cancellation);

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        InstanceIds.IsValid(instanceId) && await this.tasks.GetTaskAsync(instanceId, cancellation) is { } task ? this.Metadata(task, getInputsAndOutputs) : null;

    /// <inheritdoc/>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            int limit = Math.Clamp(pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize, 1, 1_000);
            var query = new TaskQuery(
                CreatedFrom: filter?.CreatedFrom, CreatedTo: filter?.CreatedTo, After: DurableStatuses.DecodeContinuation(continuation ?? filter?.ContinuationToken),
                Limit: limit, StoredStatuses: filter?.Statuses?.SelectMany(status => DurableStatuses.Stored((DurableTask.Core.OrchestrationStatus)status)).Distinct().ToList(),
                IdPrefix: string.IsNullOrEmpty(filter?.InstanceIdPrefix) ? null : filter.InstanceIdPrefix);
            IReadOnlyList<TaskRecord> page = await this.tasks.ListTasksAsync(query, cancellation);
            return new Page<OrchestrationMetadata>(
                page.Select(task => this.Metadata(task, filter?.FetchInputsAndOutputs ?? false)).ToList(),
                page.Count == limit ? DurableStatuses.EncodeContinuation(page[^1]) : null);
        });

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        new(InstanceIds.IsValid(instanceId) && await this.tasks.PurgeTaskAsync(instanceId, cancellation) ? 1 : 0);

    /// <inheritdoc/>
    /// <remarks>Purges finished instances only (Durable Task's rule), a page at a time.</remarks>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        OrchestrationRuntimeStatus[] finished = [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];
        IEnumerable<OrchestrationRuntimeStatus> statuses = filter.Statuses?.Intersect(finished) ?? finished;
        var query = new OrchestrationQuery(filter.CreatedFrom, filter.CreatedTo, statuses.ToList(), PageSize: 500);
        int purged = 0;
        await foreach (OrchestrationMetadata instance in this.GetAllInstancesAsync(query).WithCancellation(cancellation))
        {
            purged += (await this.PurgeInstanceAsync(instance.InstanceId, options, cancellation)).PurgedInstanceCount;
        }

        return new PurgeResult(purged);
    }

    /// <inheritdoc/>
    /// <remarks>The Durable Task events of the instance's current execution, in order (TaskFlow's own API events,
    /// such as Submitted, are in <c>GET /api/tasks/{id}/history</c> and <c>taskflow.task_history</c>).</remarks>
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default) =>
        await FrameworkHistory.ExecutionAsync(this.tasks, ParseId(instanceId), execution: null, cancellation);

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<OrchestrationMetadata> WaitForAsync(
        string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        TimeSpan pause = FirstPoll;
        while (true)
        {
            OrchestrationMetadata? instance = await this.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation)
                ?? throw new ArgumentException($"No orchestration instance '{instanceId}'.", nameof(instanceId));
            if (done(instance))
            {
                return instance;
            }

            await Task.Delay(pause, this.time, cancellation);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPoll.Ticks));
        }
    }

    private OrchestrationMetadata Metadata(TaskRecord task, bool getInputsAndOutputs)
    {
        FailureDetails? failure = task.ErrorJson is { } error ? JsonSerializer.Deserialize<FailureDetails>(error, TaskFlowJson.Options) : null;
        return new(task.Type, task.Id)
        {
            DataConverter = this.converter,
            RuntimeStatus = (OrchestrationRuntimeStatus)DurableStatuses.ToDurable(task.Status),
            CreatedAt = task.CreatedAt,
            LastUpdatedAt = task.UpdatedAt,
            SerializedInput = getInputsAndOutputs ? task.InputJson : null,

            // Durable Task's own backends answer a failed instance's output with the failure's message.
            SerializedOutput = getInputsAndOutputs ? task.OutputJson ?? failure?.Message : null,
            SerializedCustomStatus = getInputsAndOutputs ? task.CustomStatusJson : null,
            Tags = task.Tags,
            FailureDetails = failure is null ? null : ToSdk(failure),
        };
    }

    private static TaskFailureDetails ToSdk(FailureDetails failure) =>
        new(failure.Type, failure.Message, failure.StackTrace, failure.InnerFailure is { } inner ? ToSdk(inner) : null, Properties: null);

    private static string ParseId(string instanceId) => InstanceIds.Check(instanceId, nameof(instanceId));
}
