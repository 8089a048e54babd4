using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Notifications;

namespace TaskFlow.Instances;

/// <summary>Submits, reads, cancels and re-runs tasks. Every change is one transaction that also writes its history.
/// Submits are written by <see cref="TaskSubmitter"/>; rows are read back by <see cref="TaskRows"/>.</summary>
/// <remarks>A task is durable once a submit method returns: the instance, its first work item and its first
/// history events are committed together before it returns.</remarks>
public sealed class TaskFlowClient
{
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;
    private readonly WorkReadyNotifier notifier;
    private readonly TaskRows rows;
    private readonly TaskSubmitter submitter;

    /// <param name="isOrchestrator">Whether a task type names an orchestrator (else an activity); for a submission that does not say.</param>
    internal TaskFlowClient(NpgsqlDataSource dataSource, SqlClock clock, Func<string, bool>? isOrchestrator = null, WorkReadyNotifier? notifier = null)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.notifier = notifier ?? new WorkReadyNotifier(dataSource, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance);
        this.rows = new TaskRows(dataSource, clock);
        this.submitter = new TaskSubmitter(dataSource, clock, this.rows, isOrchestrator ?? (_ => false), this.notifier);
    }

    /// <summary>Whether single-activity tasks are started as <see cref="ActivityTask.OrchestratorName"/> orchestrations: where
    /// Durable's dispatchers run the work (the Function App), activities run only inside orchestrations.</summary>
    internal bool ActivityTasksAsOrchestrations
    {
        get => this.submitter.ActivityTasksAsOrchestrations;
        init => this.submitter.ActivityTasksAsOrchestrations = value;
    }

    /// <summary>Accepts one task. Calls made at the same time share a transaction: those that arrive while one
    /// group is being written go into the next, so under load many submits share one statement and one commit,
    /// and a lone call is written at once. Each call still stands alone: it returns only once its task is
    /// committed, and a conflicting idempotency key fails only its own call.</summary>
    /// <returns>The task, and whether this call created it (false: the idempotency key returned an earlier one).</returns>
    /// <exception cref="IdempotencyConflictException">The key was used before for a different request.</exception>
    /// <exception cref="InstanceAlreadyRunningException">The submission's chosen id belongs to an unfinished instance.</exception>
    /// <remarks>Cancelling stops the wait, not the write: the task may still be accepted.</remarks>
    public Task<(TaskRecord Task, bool Created)> ScheduleNewTaskAsync(TaskSubmission submission, string actor, CancellationToken cancellationToken = default) =>
        this.submitter.SubmitOneAsync(submission, actor, cancellationToken);

    /// <summary>Accepts several tasks in one transaction: all of them, or none.</summary>
    public Task<IReadOnlyList<(TaskRecord Task, bool Created)>> ScheduleNewTasksAsync(
        IReadOnlyList<TaskSubmission> submissions, string actor, CancellationToken cancellationToken = default) =>
        this.submitter.SubmitAllAsync(submissions, actor, cancellationToken);

    /// <summary>Accepts one task inside the caller's transaction: it exists, and workers see it, only if that
    /// transaction commits (transactional enqueue).</summary>
    /// <returns>The new task's id, or null when its idempotency key was used before (by the same request).</returns>
    /// <exception cref="IdempotencyConflictException">The key was used before for a different request.</exception>
    public Task<string?> ScheduleNewTaskAsync(TaskSubmission submission, string actor, NpgsqlTransaction transaction, CancellationToken cancellationToken = default) =>
        this.submitter.SubmitInTransactionAsync(submission, actor, transaction, cancellationToken);

    /// <summary>The task, or null when there is none with that id.</summary>
    public async Task<TaskRecord?> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        (await this.rows.GetAsync([id], cancellationToken)).GetValueOrDefault(id);

    /// <summary>One page of tasks, newest first.</summary>
    public async Task<IReadOnlyList<TaskRecord>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(this.dataSource, SqlText.Get("Instances/Sql/ListTasks.sql"));
        NpgsqlParameterCollection parameters = batch.Parameters();
        parameters.Add(this.clock.Now());
        parameters.Add(SqlParameters.Nullable("status", NpgsqlDbType.Text, query.Status));
        parameters.Add(new NpgsqlParameter("stored_statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = query.StoredStatuses?.ToArray() ?? (object)DBNull.Value });
        parameters.Add(SqlParameters.Nullable("type", NpgsqlDbType.Text, query.Type));
        parameters.Add(SqlParameters.Nullable("id_prefix", NpgsqlDbType.Text, query.IdPrefix));
        parameters.Add(SqlParameters.Nullable("created_by", NpgsqlDbType.Text, query.CreatedBy));
        parameters.Add(SqlParameters.Nullable("tags", NpgsqlDbType.Jsonb, query.Tags is { Count: > 0 } tags ? JsonSerializer.Serialize(tags) : null));
        parameters.Add(SqlParameters.Nullable("created_from", NpgsqlDbType.TimestampTz, query.CreatedFrom));
        parameters.Add(SqlParameters.Nullable("created_to", NpgsqlDbType.TimestampTz, query.CreatedTo));
        parameters.Add(SqlParameters.Nullable("after_created_at", NpgsqlDbType.TimestampTz, query.After?.CreatedAt));
        parameters.Add(SqlParameters.Nullable("after_id", NpgsqlDbType.Text, query.After?.Id));
        parameters.AddWithValue("limit", query.Limit);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        return await this.rows.ReadAllAsync(reader, cancellationToken);
    }

    /// <summary>How many tasks there are in each status.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountTasksAsync(CancellationToken cancellationToken = default)
    {
        var counts = TaskStatuses.All.ToDictionary(status => status, _ => 0L);
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/CountTasks.sql"));
        command.Parameters.Add(this.clock.Now());
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>The task's audit trail in order, every execution included.</summary>
    public async Task<IReadOnlyList<HistoryEventRecord>> GetHistoryAsync(string id, int afterSequence = 0, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/GetHistory.sql"));
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("after_sequence", afterSequence);
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<HistoryEventRecord>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new HistoryEventRecord(
                reader.GetInt32(0),
                reader.GetInt32(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return events;
    }

    /// <summary>Cancels a pending or running task; a running activity has its cancellation token signalled.
    /// An orchestration's timers and activities go with it, its unfinished children are cancelled too, and a
    /// waiting parent hears of it as a failed sub-orchestration.</summary>
    /// <param name="outputJson">The output a terminated instance shows (Durable Task's terminate output), or null.</param>
    /// <returns>True when cancelled; false when the task is unknown or already finished.</returns>
    public async Task<bool> TerminateTaskAsync(string id, string actor, string? reason, CancellationToken cancellationToken = default, string? outputJson = null)
    {
        if (!await this.TerminateOneAsync(id, actor, reason, outputJson, cancellationToken))
        {
            return false;
        }

        Telemetry.TaskFlowMetrics.Cancelled.Add(1);

        foreach (string child in await this.UnfinishedChildrenAsync(id, cancellationToken))
        {
            await this.TerminateTaskAsync(child, actor, $"Parent {id} was cancelled.", cancellationToken);
        }

        return true;
    }

    /// <summary>Suspends a running orchestration: no episode runs until it is resumed; events queue meanwhile.
    /// Activities already running finish. Returns false when there is no running orchestration with that id.</summary>
    public Task<bool> SuspendTaskAsync(string id, string actor, string? reason, CancellationToken cancellationToken = default) =>
        this.SuspendOrResumeAsync(id, suspend: true, actor, reason, cancellationToken);

    /// <summary>Resumes a suspended orchestration. Returns false when there is no suspended orchestration with that id.</summary>
    public Task<bool> ResumeTaskAsync(string id, string actor, string? reason, CancellationToken cancellationToken = default) =>
        this.SuspendOrResumeAsync(id, suspend: false, actor, reason, cancellationToken);

    /// <summary>Raises an external event for a running orchestration (<c>WaitForExternalEvent</c>).</summary>
    /// <returns>False when there is no unfinished orchestration with that id.</returns>
    public async Task<bool> RaiseEventAsync(string id, string eventName, string? inputJson, string actor, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/RaiseEvent.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", eventName);
        command.Parameters.Add(SqlParameters.Nullable("input", NpgsqlDbType.Jsonb, inputJson ?? "null"));
        command.Parameters.AddWithValue("actor", actor);
        return await this.ExecuteAndRingAsync(command, cancellationToken);
    }

    /// <summary>Deletes a finished task with its history. Returns false when it is unknown or unfinished.</summary>
    public async Task<bool> PurgeTaskAsync(string id, CancellationToken cancellationToken = default) =>
        (await this.PurgeAsync(id, finishedBefore: null, after: null, batchSize: 1, cancellationToken)).Purged == 1;

    /// <summary>One batch of retention: walks up to <paramref name="batchSize"/> tasks created before
    /// <paramref name="finishedBefore"/>, oldest first, after <paramref name="after"/> (null to begin), and deletes those
    /// that finished before it (PurgeTasks.sql). The next batch goes on from <see cref="RetentionBatch.WalkedTo"/>; null
    /// there means the walk is done.</summary>
    internal Task<RetentionBatch> PurgeFinishedAsync(
        DateTimeOffset finishedBefore, int batchSize, RetentionCursor? after, CancellationToken cancellationToken) =>
        this.PurgeAsync(id: null, finishedBefore, after, batchSize, cancellationToken);

    private async Task<RetentionBatch> PurgeAsync(
        string? id, DateTimeOffset? finishedBefore, RetentionCursor? after, int batchSize, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(this.dataSource, SqlText.Get("Instances/Sql/PurgeTasks.sql"));
        batch.Parameters().Add(SqlParameters.Nullable("id", NpgsqlDbType.Text, id));
        batch.Parameters().Add(SqlParameters.Nullable("finished_before", NpgsqlDbType.TimestampTz, finishedBefore));
        batch.Parameters().Add(SqlParameters.Nullable("after_created_at", NpgsqlDbType.TimestampTz, after?.CreatedAt));
        batch.Parameters().Add(SqlParameters.Nullable("after_id", NpgsqlDbType.Text, after?.Id));
        batch.Parameters().AddWithValue("batch_size", batchSize);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        RetentionCursor? walkedTo = reader.IsDBNull(1) ? null
            : new RetentionCursor(reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
        return new RetentionBatch(reader.GetInt64(0), walkedTo);
    }

    /// <summary>For an orchestration: how many activities it scheduled, and how many completed and failed.</summary>
    public async Task<(long Scheduled, long Completed, long Failed)?> CountActivitiesAsync(string id, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/CountOrchestrationActivities.sql"));
        command.Parameters.AddWithValue("id", id);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    /// <summary>For a single-activity task run by the <see cref="ActivityTask.OrchestratorName"/> orchestration: the
    /// attempt its activity is on (how often it was scheduled); null for any other instance. Synchronous, for
    /// <c>GetAttempt()</c>, which an activity reads as a property.</summary>
    public int? ActivityTaskAttempt(string id)
    {
        using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/ActivityTaskAttempt.sql"));
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("type", ActivityTask.OrchestratorName);
        return command.ExecuteScalar() is long scheduled ? (int)scheduled : null;
    }

    private async Task<bool> SuspendOrResumeAsync(string id, bool suspend, string actor, string? reason, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/SuspendOrResume.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("suspend", suspend);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.Add(SqlParameters.Nullable("reason", NpgsqlDbType.Text, reason));
        return await this.ExecuteAndRingAsync(command, cancellationToken);
    }

    /// <summary>Runs a statement that returns a row when it changed something (and may have readied work), in
    /// its own transaction; rings the workers after the commit when it did.</summary>
    private async Task<bool> ExecuteAndRingAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        bool changed;
        await using (NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken))
        {
            changed = await reader.ReadAsync(cancellationToken);
        }

        if (changed)
        {
            this.notifier.Ring();
        }

        return changed;
    }

    private async Task<IReadOnlyList<string>> UnfinishedChildrenAsync(string id, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/FindUnfinishedChildren.sql"));
        command.Parameters.AddWithValue("id", id);
        var children = new List<string>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            children.Add(reader.GetString(0));
        }

        return children;
    }

    private async Task<bool> TerminateOneAsync(string id, string actor, string? reason, string? outputJson, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var deleteWork = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/DeleteWorkItems.sql"));
        deleteWork.Parameters.AddWithValue("id", id);
        var deleteInbox = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/DeleteInbox.sql"));
        deleteInbox.Parameters.AddWithValue("id", id);
        var terminate = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/TerminateInstance.sql"));
        terminate.Parameters.Add(this.clock.Now());
        terminate.Parameters.AddWithValue("id", id);
        terminate.Parameters.AddWithValue("actor", actor);
        terminate.Parameters.Add(SqlParameters.Nullable("reason", NpgsqlDbType.Text, reason));
        terminate.Parameters.Add(SqlParameters.Nullable("output", NpgsqlDbType.Text, outputJson));
        var releaseLocks = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/ReleaseEntityLocks.sql"));
        releaseLocks.Parameters.Add(this.clock.Now());
        releaseLocks.Parameters.AddWithValue("id", id);
        releaseLocks.Parameters.AddWithValue("actor", actor);
        batch.BatchCommands.Add(deleteWork);
        batch.BatchCommands.Add(deleteInbox);
        batch.BatchCommands.Add(terminate);
        batch.BatchCommands.Add(releaseLocks);
        await batch.Positional().ExecuteNonQueryAsync(cancellationToken);
        if (terminate.RecordsAffected == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @id::text)", connection, transaction))
        {
            notify.Parameters.AddWithValue("channel", NotificationChannels.TaskCancelled);
            notify.Parameters.AddWithValue("id", id);
            await notify.Positional().ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var parent = new NpgsqlCommand(SqlText.Get("Orchestrations/Sql/NotifyParentOfCancel.sql"), connection, transaction))
        {
            parent.Parameters.Add(this.clock.Now());
            parent.Parameters.AddWithValue("id", id);
            parent.Parameters.AddWithValue("actor", actor);
            parent.Parameters.Add(SqlParameters.Nullable("reason", NpgsqlDbType.Text, reason));
            await parent.Positional().ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        this.notifier.Ring(); // a waiting parent's next episode
        return true;
    }

    /// <summary>Re-runs a failed or cancelled task (an activity, or an orchestration from its input) as a new execution; its history keeps the earlier ones.</summary>
    /// <returns>True when restarted; false when the task is unknown or not failed or cancelled.</returns>
    public async Task<bool> RestartTaskAsync(string id, string actor, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/RestartTask.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("actor", actor);
        return await this.ExecuteAndRingAsync(command, cancellationToken);
    }
}
