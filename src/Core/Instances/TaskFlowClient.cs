using System.Text.Json;
using System.Xml;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Orchestrations;

namespace TaskFlow.Instances;

/// <summary>Submits, reads, cancels and re-runs tasks. Every change is one transaction that also writes its history.</summary>
/// <remarks>A task is durable once a submit method returns: the instance, its first work item and its first
/// history events are committed together before it returns.</remarks>
public sealed class TaskFlowClient
{
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;
    private readonly Func<string, bool> isOrchestrator;
    private readonly WorkReadyNotifier notifier;
    private readonly CallBatcher<(TaskSubmission Submission, string Actor), Accepted> singleSubmits;

    /// <param name="isOrchestrator">Whether a task type names an orchestrator (else an activity); for a submission that does not say.</param>
    internal TaskFlowClient(NpgsqlDataSource dataSource, SqlClock clock, Func<string, bool>? isOrchestrator = null, WorkReadyNotifier? notifier = null)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.isOrchestrator = isOrchestrator ?? (_ => false);
        this.notifier = notifier ?? new WorkReadyNotifier(dataSource, NullLogger<WorkReadyNotifier>.Instance);
        this.singleSubmits = new(
            group => this.AcceptAsync(group, allOrNothing: false, CancellationToken.None),
            maxBatch: 1_000,
            isolate: exception => exception is PostgresException { IsTransient: false });
    }

    /// <summary>Whether single-activity tasks are started as <see cref="ActivityTask.OrchestratorName"/> orchestrations: where
    /// Durable's dispatchers run the work (the Function App), activities run only inside orchestrations.</summary>
    internal bool ActivityTasksAsOrchestrations { get; init; }

    /// <summary>Accepts one task. Calls made at the same time share a transaction: those that arrive while one
    /// group is being written go into the next, so under load many submits share one statement and one commit,
    /// and a lone call is written at once. Each call still stands alone: it returns only once its task is
    /// committed, and a conflicting idempotency key fails only its own call.</summary>
    /// <returns>The task, and whether this call created it (false: the idempotency key returned an earlier one).</returns>
    /// <exception cref="IdempotencyConflictException">The key was used before for a different request.</exception>
    /// <exception cref="InstanceAlreadyRunningException">The submission's chosen id belongs to an unfinished instance.</exception>
    /// <remarks>Cancelling stops the wait, not the write: the task may still be accepted.</remarks>
    public async Task<(TaskRecord Task, bool Created)> ScheduleNewTaskAsync(TaskSubmission submission, string actor, CancellationToken cancellationToken = default)
    {
        Accepted accepted = await this.singleSubmits.CallAsync((submission, actor)).WaitAsync(cancellationToken);
        return accepted.Conflict is { } conflict ? throw conflict : (accepted.Task!, accepted.Created);
    }

    /// <summary>Accepts several tasks in one transaction: all of them, or none.</summary>
    public async Task<IReadOnlyList<(TaskRecord Task, bool Created)>> ScheduleNewTasksAsync(
        IReadOnlyList<TaskSubmission> submissions, string actor, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<Accepted> accepted = await this.AcceptAsync(
            submissions.Select(submission => (submission, actor)).ToList(), allOrNothing: true, cancellationToken);
        return accepted.Select(a => (a.Task!, a.Created)).ToList();
    }

    /// <summary>Accepts one task inside the caller's transaction: it exists, and workers see it, only if that
    /// transaction commits (transactional enqueue).</summary>
    /// <returns>The new task's id, or null when its idempotency key was used before (by the same request).</returns>
    /// <exception cref="IdempotencyConflictException">The key was used before for a different request.</exception>
    public async Task<string?> ScheduleNewTaskAsync(TaskSubmission submission, string actor, NpgsqlTransaction transaction, CancellationToken cancellationToken = default)
    {
        // The caller commits, so the wake-up must ride in its transaction (delivered only if it commits). The metric
        // cannot wait for that commit: it counts the task as written, and a rollback of the caller's is not seen.
        Submitted submitted = (await this.SubmitAsync(transaction, [submission], actor, notifyInTransaction: true, cancellationToken))[0];
        CountSubmitted([submitted], [submission]);
        return submitted.Conflict is { } conflict ? throw conflict : submitted.Created ? submitted.Id : null;
    }

    /// <summary>The task, or null when there is none with that id.</summary>
    public async Task<TaskRecord?> GetTaskAsync(string id, CancellationToken cancellationToken = default) =>
        (await this.GetTasksAsync([id], cancellationToken)).GetValueOrDefault(id);

    /// <summary>One page of tasks, newest first.</summary>
    public async Task<IReadOnlyList<TaskRecord>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(this.dataSource, SqlText.Get("Instances/Sql/ListTasks.sql"));
        NpgsqlParameterCollection parameters = batch.Parameters();
        parameters.Add(this.clock.Now());
        parameters.Add(Nullable("status", NpgsqlDbType.Text, query.Status));
        parameters.Add(new NpgsqlParameter("stored_statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = query.StoredStatuses?.ToArray() ?? (object)DBNull.Value });
        parameters.Add(Nullable("type", NpgsqlDbType.Text, query.Type));
        parameters.Add(Nullable("id_prefix", NpgsqlDbType.Text, query.IdPrefix));
        parameters.Add(Nullable("created_by", NpgsqlDbType.Text, query.CreatedBy));
        parameters.Add(Nullable("tags", NpgsqlDbType.Jsonb, query.Tags is { Count: > 0 } tags ? JsonSerializer.Serialize(tags) : null));
        parameters.Add(Nullable("created_from", NpgsqlDbType.TimestampTz, query.CreatedFrom));
        parameters.Add(Nullable("created_to", NpgsqlDbType.TimestampTz, query.CreatedTo));
        parameters.Add(Nullable("after_created_at", NpgsqlDbType.TimestampTz, query.After?.CreatedAt));
        parameters.Add(Nullable("after_id", NpgsqlDbType.Text, query.After?.Id));
        parameters.AddWithValue("limit", query.Limit);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        return await this.ReadTasksAsync(reader, cancellationToken);
    }

    /// <summary>How many tasks there are in each status.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountTasksAsync(CancellationToken cancellationToken = default)
    {
        var counts = TaskStatuses.All.ToDictionary(status => status, _ => 0L);
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/CountTasks.sql"));
        command.Parameters.Add(this.clock.Now());
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
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
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
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
        command.Parameters.Add(Nullable("input", NpgsqlDbType.Jsonb, inputJson ?? "null"));
        command.Parameters.AddWithValue("actor", actor);
        return await this.ExecuteAndRingAsync(command, cancellationToken);
    }

    /// <summary>Deletes a finished task with its history. Returns false when it is unknown or unfinished.</summary>
    public async Task<bool> PurgeTaskAsync(string id, CancellationToken cancellationToken = default) =>
        await this.PurgeAsync(id, finishedBefore: null, batchSize: 1, cancellationToken) == 1;

    /// <summary>Deletes up to <paramref name="batchSize"/> tasks finished before <paramref name="finishedBefore"/>.</summary>
    internal Task<long> PurgeFinishedAsync(DateTimeOffset finishedBefore, int batchSize, CancellationToken cancellationToken) =>
        this.PurgeAsync(null, finishedBefore, batchSize, cancellationToken);

    /// <summary>For an orchestration: how many activities it scheduled, and how many completed and failed.</summary>
    public async Task<(long Scheduled, long Completed, long Failed)?> CountActivitiesAsync(string id, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/CountOrchestrationActivities.sql"));
        command.Parameters.AddWithValue("id", id);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
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
        command.Parameters.Add(Nullable("reason", NpgsqlDbType.Text, reason));
        return await this.ExecuteAndRingAsync(command, cancellationToken);
    }

    /// <summary>Runs a statement that returns a row when it changed something (and may have readied work), in
    /// its own transaction; rings the workers after the commit when it did.</summary>
    private async Task<bool> ExecuteAndRingAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        bool changed;
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            changed = await reader.ReadAsync(cancellationToken);
        }

        if (changed)
        {
            this.notifier.Ring();
        }

        return changed;
    }

    private async Task<long> PurgeAsync(string? id, DateTimeOffset? finishedBefore, int batchSize, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(this.dataSource, SqlText.Get("Instances/Sql/PurgeTasks.sql"));
        batch.Parameters().Add(Nullable("id", NpgsqlDbType.Text, id));
        batch.Parameters().Add(Nullable("finished_before", NpgsqlDbType.TimestampTz, finishedBefore));
        batch.Parameters().AddWithValue("batch_size", batchSize);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt64(0);
    }

    private async Task<IReadOnlyList<string>> UnfinishedChildrenAsync(string id, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/FindUnfinishedChildren.sql"));
        command.Parameters.AddWithValue("id", id);
        var children = new List<string>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
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
        terminate.Parameters.Add(Nullable("reason", NpgsqlDbType.Text, reason));
        terminate.Parameters.Add(Nullable("output", NpgsqlDbType.Text, outputJson));
        batch.BatchCommands.Add(deleteWork);
        batch.BatchCommands.Add(deleteInbox);
        batch.BatchCommands.Add(terminate);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        if (terminate.RecordsAffected == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return false;
        }

        await using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @id::text)", connection, transaction))
        {
            notify.Parameters.AddWithValue("channel", NotificationChannels.TaskCancelled);
            notify.Parameters.AddWithValue("id", id);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var parent = new NpgsqlCommand(SqlText.Get("Orchestrations/Sql/NotifyParentOfCancel.sql"), connection, transaction))
        {
            parent.Parameters.Add(this.clock.Now());
            parent.Parameters.AddWithValue("id", id);
            parent.Parameters.AddWithValue("actor", actor);
            parent.Parameters.Add(Nullable("reason", NpgsqlDbType.Text, reason));
            await parent.ExecuteNonQueryAsync(cancellationToken);
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

    /// <summary>Writes submissions in one transaction of its own and answers each with its task as committed.</summary>
    /// <param name="allOrNothing">Whether a reused idempotency key fails the whole call (nothing is written), or
    /// only its own submission.</param>
    private async Task<IReadOnlyList<Accepted>> AcceptAsync(
        IReadOnlyList<(TaskSubmission Submission, string Actor)> submissions, bool allOrNothing, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        var submitted = new Submitted[submissions.Count];
        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // The history records one actor per statement.
            foreach (IGrouping<string, int> byActor in Enumerable.Range(0, submissions.Count).GroupBy(i => submissions[i].Actor))
            {
                int[] indexes = [.. byActor];
                IReadOnlyList<Submitted> written = await this.SubmitAsync(
                    transaction, indexes.Select(i => submissions[i].Submission).ToList(), byActor.Key, notifyInTransaction: false, cancellationToken);
                for (int i = 0; i < indexes.Length; i++)
                {
                    submitted[indexes[i]] = written[i];
                }
            }

            if (allOrNothing && submitted.FirstOrDefault(s => s.Conflict is not null)?.Conflict is { } conflict)
            {
                throw conflict; // disposing the transaction rolls it back
            }

            await transaction.CommitAsync(cancellationToken);
        }

        CountSubmitted(submitted, submissions.Select(s => s.Submission).ToList());
        if (submitted.Any(s => s.Created))
        {
            this.notifier.Ring();
        }

        // New activity tasks came back from their insert; read back the rest (orchestrations, idempotent repeats)
        // on the same connection: a second one from the pool per request starves the pool under load.
        string[] unread = submitted.Where(s => s.Task is null && s.Conflict is null).Select(s => s.Id).ToArray();
        IReadOnlyDictionary<string, TaskRecord> readBack = unread.Length == 0
            ? new Dictionary<string, TaskRecord>()
            : await this.GetTasksAsync(unread, cancellationToken, connection);
        return submitted.Select(s => s.Conflict is null ? new Accepted(s.Task ?? readBack[s.Id], s.Created, null) : new Accepted(null, false, s.Conflict)).ToList();
    }

    /// <summary>Writes the submissions in the caller's transaction: single-activity tasks in one statement,
    /// orchestrations one statement each, all in one round trip.</summary>
    /// <param name="notifyInTransaction">Whether to send the workers' wake-up inside the transaction (when the caller
    /// owns the commit) rather than leave it to a <see cref="WorkReadyNotifier"/> ring after the commit.</param>
    /// <returns>Per submission, in order: its task id; whether this call created it (false: its idempotency key
    /// returned an earlier task); for a new single-activity task, the task as written; and the conflict when its
    /// idempotency key was used for a different request (nothing was written for it).</returns>
    private async Task<IReadOnlyList<Submitted>> SubmitAsync(
        NpgsqlTransaction transaction, IReadOnlyList<TaskSubmission> submissions, string actor, bool notifyInTransaction, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = transaction.Connection ?? throw new ArgumentException("The transaction has completed.", nameof(transaction));
        if (this.ActivityTasksAsOrchestrations)
        {
            submissions = submissions.Select(s => s.IsOrchestration ?? this.isOrchestrator(s.Type) ? s : ActivityTask.Wrap(s)).ToList();
        }

        DateTimeOffset now = this.clock.Time.GetUtcNow();
        string[] ids = submissions.Select(s => s.Id ?? InstanceIds.New(now)).ToArray();
        IReadOnlyDictionary<string, string> running = await ReplaceFinishedAsync(transaction, submissions.Where(s => s.Id is not null).Select(s => s.Id!).ToArray(), cancellationToken);
        var createdTasks = new Dictionary<string, TaskRecord>();
        var createdOrchestrations = new HashSet<string>();
        int[] toWrite = Enumerable.Range(0, submissions.Count).Where(i => !running.ContainsKey(ids[i])).ToArray();
        int[] activityTasks = toWrite.Where(i => !(submissions[i].IsOrchestration ?? this.isOrchestrator(submissions[i].Type))).ToArray();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (activityTasks.Length > 0)
            {
                batch.BatchCommands.Add(this.SubmitActivityTasksCommand(activityTasks.Select(i => (ids[i], submissions[i])).ToList(), actor));
            }

            foreach (int i in toWrite.Except(activityTasks))
            {
                batch.BatchCommands.Add(this.StartOrchestrationCommand(ids[i], submissions[i], actor));
            }

            if (notifyInTransaction)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{NotificationChannels.WorkReady}', '')"));
            }

            // One result per statement, in order: the activity tasks', then each orchestration's (the wake-up's last is not read).
            await using NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (activityTasks.Length > 0)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    TaskRecord task = this.ReadTask(reader);
                    createdTasks.Add(task.Id, task);
                }

                await reader.NextResultAsync(cancellationToken);
            }

            for (int orchestration = activityTasks.Length; orchestration < toWrite.Length; orchestration++)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    createdOrchestrations.Add(reader.GetString(0));
                }

                await reader.NextResultAsync(cancellationToken);
            }
        }

        var results = new List<Submitted>(submissions.Count);
        for (int i = 0; i < submissions.Count; i++)
        {
            string id = ids[i];
            results.Add(
                running.TryGetValue(id, out string? status) ? new Submitted(id, false, null, new InstanceAlreadyRunningException(id, status))
                : createdTasks.TryGetValue(id, out TaskRecord? task) ? new Submitted(id, true, task)
                : createdOrchestrations.Contains(id) ? new Submitted(id, true, null)
                : await FindIdempotentTaskAsync(connection, submissions[i], cancellationToken));
        }

        return results;
    }

    /// <summary>The tasks created, in the metrics, by the type their caller submitted.</summary>
    private static void CountSubmitted(IReadOnlyList<Submitted> submitted, IReadOnlyList<TaskSubmission> submissions)
    {
        for (int i = 0; i < submitted.Count; i++)
        {
            if (submitted[i].Created)
            {
                Telemetry.TaskFlowMetrics.Submitted.Add(1, Telemetry.TaskFlowMetrics.Type(submissions[i].Type));
            }
        }
    }

    /// <summary>Replaces the finished instances that have ids chosen for new tasks (Durable Functions' rule).</summary>
    /// <returns>The chosen ids whose instance has not finished, with its status.</returns>
    private static async Task<IReadOnlyDictionary<string, string>> ReplaceFinishedAsync(
        NpgsqlTransaction transaction, string[] chosenIds, CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        if (chosenIds.Length == 0)
        {
            return running;
        }

        await using var command = new NpgsqlCommand(SqlText.Get("Instances/Sql/ReplaceFinishedInstances.sql"), transaction.Connection, transaction);
        command.Parameters.AddWithValue("ids", chosenIds);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            running[reader.GetString(0)] = reader.GetString(1);
        }

        return running;
    }

    private NpgsqlBatchCommand SubmitActivityTasksCommand(IReadOnlyList<(string Id, TaskSubmission Task)> tasks, string actor)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/SubmitTasks.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("ids", tasks.Select(t => t.Id).ToArray());
        command.Parameters.AddWithValue("names", tasks.Select(t => t.Task.Type).ToArray());
        command.Parameters.AddWithValue("priorities", tasks.Select(t => (short)t.Task.Priority).ToArray());
        command.Parameters.AddWithValue("inputs", tasks.Select(t => t.Task.InputJson).ToArray());
        command.Parameters.AddWithValue("retry_policies", tasks.Select(t => JsonSerializer.Serialize(t.Task.Retry, TaskFlowJson.Options)).ToArray());
        command.Parameters.AddWithValue("max_attempts", tasks.Select(t => t.Task.Retry.MaxAttempts).ToArray());
        command.Parameters.AddWithValue("timeouts", tasks.Select(t => t.Task.Timeout).ToArray());
        command.Parameters.AddWithValue("timeout_isos", tasks.Select(t => t.Task.Timeout is { } timeout ? XmlConvert.ToString(timeout) : null).ToArray());
        command.Parameters.AddWithValue("tags", tasks.Select(t => JsonSerializer.Serialize(t.Task.Tags)).ToArray());
        command.Parameters.AddWithValue("idempotency_keys", tasks.Select(t => t.Task.IdempotencyKey).ToArray());
        command.Parameters.AddWithValue("request_hashes", tasks.Select(t => t.Task.RequestHash).ToArray());
        command.Parameters.AddWithValue("run_ats", tasks.Select(t => t.Task.RunAt?.ToUniversalTime()).ToArray());
        command.Parameters.AddWithValue("delays", tasks.Select(t => t.Task.Delay ?? TimeSpan.Zero).ToArray());
        command.Parameters.AddWithValue("trace_parents", tasks.Select(t => t.Task.TraceParent).ToArray());
        return command;
    }

    private NpgsqlBatchCommand StartOrchestrationCommand(string id, TaskSubmission submission, string actor)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/StartOrchestration.sql"));
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", submission.Type);
        command.Parameters.AddWithValue("priority", (short)submission.Priority);
        command.Parameters.Add(Nullable("input", NpgsqlDbType.Text, submission.InputJson));
        command.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Text) { Value = JsonSerializer.Serialize(submission.Tags) });
        command.Parameters.Add(Nullable("idempotency_key", NpgsqlDbType.Text, submission.IdempotencyKey));
        command.Parameters.AddWithValue("request_hash", submission.RequestHash);
        command.Parameters.Add(Nullable("parent_instance_id", NpgsqlDbType.Text, null));
        command.Parameters.Add(Nullable("parent_task_id", NpgsqlDbType.Integer, null));
        command.Parameters.Add(Nullable("parent_name", NpgsqlDbType.Text, null));
        command.Parameters.AddWithValue("submitted", true);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.Add(Nullable("run_at", NpgsqlDbType.TimestampTz, submission.RunAt?.ToUniversalTime()));
        command.Parameters.AddWithValue("delay", submission.Delay ?? TimeSpan.Zero);
        command.Parameters.Add(Nullable("trace_parent", NpgsqlDbType.Text, submission.TraceParent));
        return command;
    }

    private static async Task<Submitted> FindIdempotentTaskAsync(NpgsqlConnection connection, TaskSubmission submission, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Instances/Sql/FindIdempotentTask.sql"), connection);
        command.Parameters.AddWithValue("idempotency_key", submission.IdempotencyKey!);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        string existing = reader.GetString(0);
        byte[] hash = reader.GetFieldValue<byte[]>(1);
        return hash.AsSpan().SequenceEqual(submission.RequestHash)
            ? new Submitted(existing, false, null)
            : new Submitted(existing, false, null, new IdempotencyConflictException(submission.IdempotencyKey!, existing));
    }

    private async Task<IReadOnlyDictionary<string, TaskRecord>> GetTasksAsync(string[] ids, CancellationToken cancellationToken, NpgsqlConnection? connection = null)
    {
        await using NpgsqlCommand command = connection is null
            ? this.dataSource.CreateCommand(SqlText.Get("Instances/Sql/GetTasks.sql"))
            : new NpgsqlCommand(SqlText.Get("Instances/Sql/GetTasks.sql"), connection);
        command.Parameters.AddWithValue("ids", ids);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return (await this.ReadTasksAsync(reader, cancellationToken)).ToDictionary(task => task.Id);
    }

    private async Task<IReadOnlyList<TaskRecord>> ReadTasksAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var tasks = new List<TaskRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tasks.Add(this.ReadTask(reader));
        }

        return tasks;
    }

    /// <summary>One task from a row in the column order of <c>GetTasks.sql</c>.</summary>
    private TaskRecord ReadTask(NpgsqlDataReader reader)
    {
        string status = reader.GetString(3);
        DateTimeOffset? nextVisibleAt = OptionalTime(reader, 20);
        return new TaskRecord(
            Id: reader.GetString(0),
            Type: reader.GetString(1),
            Kind: reader.GetString(2),
            Status: status == TaskStatuses.Pending && nextVisibleAt > this.clock.Time.GetUtcNow() ? TaskStatuses.Scheduled : status,
            Priority: reader.GetInt16(4),
            InputJson: OptionalString(reader, 5),
            OutputJson: OptionalString(reader, 6),
            ErrorJson: OptionalString(reader, 7),
            CustomStatusJson: OptionalString(reader, 8),
            Attempt: reader.GetInt32(9),
            MaxAttempts: reader.GetInt32(10),
            Tags: JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(11))!,
            IdempotencyKey: OptionalString(reader, 12),
            Execution: reader.GetInt32(13),
            CreatedBy: reader.GetString(14),
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(15),
            RunAt: reader.GetFieldValue<DateTimeOffset>(16),
            StartedAt: OptionalTime(reader, 17),
            CompletedAt: OptionalTime(reader, 18),
            UpdatedAt: reader.GetFieldValue<DateTimeOffset>(19));
    }

    private static string? OptionalString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? OptionalTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    /// <summary>What <see cref="SubmitAsync"/> did with one submission.</summary>
    /// <param name="Conflict">Why nothing was written for it: its idempotency key or its chosen id is taken.</param>
    private sealed record Submitted(string Id, bool Created, TaskRecord? Task, Exception? Conflict = null);

    /// <summary>One submission's answer: its task as committed, or the conflict that kept it out.</summary>
    private sealed record Accepted(TaskRecord? Task, bool Created, Exception? Conflict);
}
