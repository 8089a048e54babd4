using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Json;
using TaskFlow.Notifications;

namespace TaskFlow.Instances;

/// <summary>Writes new tasks: single-activity tasks in one statement per group, each orchestration's start in one, the
/// caller's chosen ids (a finished instance with one is replaced) and idempotency keys (a repeat returns the earlier
/// task) checked in the same transaction; then rings the workers and counts what was created.</summary>
internal sealed class TaskSubmitter
{
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;
    private readonly TaskRows rows;
    private readonly Func<string, bool> isOrchestrator;
    private readonly WorkReadyNotifier notifier;
    private readonly CallBatcher<(TaskSubmission Submission, string Actor), Accepted> singleSubmits;

    public TaskSubmitter(NpgsqlDataSource dataSource, SqlClock clock, TaskRows rows, Func<string, bool> isOrchestrator, WorkReadyNotifier notifier)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.rows = rows;
        this.isOrchestrator = isOrchestrator;
        this.notifier = notifier;
        this.singleSubmits = new(
            group => this.AcceptAsync(group, allOrNothing: false, CancellationToken.None),
            maxBatch: 1_000,
            isolate: exception => exception is PostgresException { IsTransient: false });
    }

    /// <summary>Whether single-activity tasks are wrapped as <see cref="ActivityTask.OrchestratorName"/> orchestrations.</summary>
    public bool ActivityTasksAsOrchestrations { get; set; }

    /// <summary>One task; calls made at the same time share a transaction (see <see cref="TaskFlowClient.ScheduleNewTaskAsync(TaskSubmission, string, CancellationToken)"/>).</summary>
    public async Task<(TaskRecord Task, bool Created)> SubmitOneAsync(TaskSubmission submission, string actor, CancellationToken cancellationToken)
    {
        Accepted accepted = await this.singleSubmits.CallAsync((submission, actor)).WaitAsync(cancellationToken);
        return accepted.Conflict is { } conflict ? throw conflict : (accepted.Task!, accepted.Created);
    }

    /// <summary>Several tasks in one transaction: all of them, or none.</summary>
    public async Task<IReadOnlyList<(TaskRecord Task, bool Created)>> SubmitAllAsync(
        IReadOnlyList<TaskSubmission> submissions, string actor, CancellationToken cancellationToken)
    {
        IReadOnlyList<Accepted> accepted = await this.AcceptAsync(
            submissions.Select(submission => (submission, actor)).ToList(), allOrNothing: true, cancellationToken);
        return accepted.Select(a => (a.Task!, a.Created)).ToList();
    }

    /// <summary>One task inside the caller's transaction; its id, or null when its idempotency key returned an earlier task.</summary>
    public async Task<string?> SubmitInTransactionAsync(TaskSubmission submission, string actor, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        // The caller commits, so the wake-up must ride in its transaction (delivered only if it commits). The metric
        // cannot wait for that commit: it counts the task as written, and a rollback of the caller's is not seen.
        NpgsqlConnection connection = transaction.Connection ?? throw new ArgumentException("The transaction has completed.", nameof(transaction));
        Submitted submitted = (await this.SubmitAsync(connection, transaction, [submission], actor, notifyInTransaction: true, cancellationToken))[0];
        CountSubmitted([submitted], [submission]);
        return submitted.Conflict is { } conflict ? throw conflict : submitted.Created ? submitted.Id : null;
    }

    /// <summary>Writes submissions in one transaction of its own and answers each with its task as committed.</summary>
    /// <param name="allOrNothing">Whether a reused idempotency key fails the whole call (nothing is written), or
    /// only its own submission.</param>
    private async Task<IReadOnlyList<Accepted>> AcceptAsync(
        IReadOnlyList<(TaskSubmission Submission, string Actor)> submissions, bool allOrNothing, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var submitted = new Submitted[submissions.Count];
        await using (NpgsqlTransaction? transaction = NeedTransaction(submissions) ? await connection.BeginTransactionAsync(cancellationToken) : null)
        {
            // The history records one actor per statement.
            foreach (IGrouping<string, int> byActor in Enumerable.Range(0, submissions.Count).GroupBy(i => submissions[i].Actor))
            {
                int[] indexes = [.. byActor];
                IReadOnlyList<Submitted> written = await this.SubmitAsync(
                    connection, transaction, indexes.Select(i => submissions[i].Submission).ToList(), byActor.Key, notifyInTransaction: false, cancellationToken);
                for (int i = 0; i < indexes.Length; i++)
                {
                    submitted[indexes[i]] = written[i];
                }
            }

            if (allOrNothing && submitted.FirstOrDefault(s => s.Conflict is not null)?.Conflict is { } conflict)
            {
                throw conflict; // disposing the transaction rolls it back
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync(cancellationToken);
            }
        }

        CountSubmitted(submitted, submissions.Select(s => s.Submission).ToList());
        WakeUps work = WakeUps.None; // a new single-activity task comes back as written; an orchestration waits for its first episode
        foreach (Submitted created in submitted.Where(s => s.Created))
        {
            work |= created.Task is null ? WakeUps.Episodes : WakeUps.Activities;
        }

        notifier.Ring(work);

        // New activity tasks came back from their insert; read back the rest (orchestrations, idempotent repeats)
        // on the same connection: a second one from the pool per request starves the pool under load.
        string[] unread = submitted.Where(s => s.Task is null && s.Conflict is null).Select(s => s.Id).ToArray();
        IReadOnlyDictionary<string, TaskRecord> readBack = unread.Length == 0
            ? new Dictionary<string, TaskRecord>()
            : await rows.GetAsync(unread, cancellationToken, connection);
        return submitted.Select(s => s.Conflict is null ? new Accepted(s.Task ?? readBack[s.Id], s.Created, null) : new Accepted(null, false, s.Conflict)).ToList();
    }

    /// <summary>Whether submissions need a transaction of their own, with a COMMIT after their statements. New tasks of one
    /// caller do not: they are written by one batch of statements (single-activity tasks in one, each orchestration in
    /// one), which PostgreSQL runs as one implicit transaction and commits with the batch, so the submit is one round trip
    /// and two statements fewer (at 1,000 single submits a second, 350 BEGINs and COMMITs a second). A chosen id or an
    /// idempotency key may meet an earlier task, which takes statements after the batch (and a call for all or nothing
    /// must then write nothing), and each caller's submissions take a batch of their own: those share a transaction.</summary>
    private static bool NeedTransaction(IReadOnlyList<(TaskSubmission Submission, string Actor)> submissions) =>
        submissions.Any(s => s.Submission.Id is not null || s.Submission.IdempotencyKey is not null)
        || submissions.Any(s => s.Actor != submissions[0].Actor);

    /// <summary>Writes the submissions on the connection, in the transaction when there is one (or else in the implicit
    /// transaction of one batch: see <see cref="NeedTransaction"/>): single-activity tasks in one statement, orchestrations
    /// one statement each, all in one round trip.</summary>
    /// <param name="notifyInTransaction">Whether to send the workers' wake-up inside the transaction (when the caller
    /// owns the commit) rather than leave it to a <see cref="WorkReadyNotifier"/> ring after the commit.</param>
    /// <returns>Per submission, in order: its task id; whether this call created it (false: its idempotency key
    /// returned an earlier task); for a new single-activity task, the task as written; and the conflict when its
    /// idempotency key was used for a different request (nothing was written for it).</returns>
    private async Task<IReadOnlyList<Submitted>> SubmitAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<TaskSubmission> submissions, string actor, bool notifyInTransaction,
        CancellationToken cancellationToken)
    {
        if (this.ActivityTasksAsOrchestrations)
        {
            submissions = submissions.Select(s => s.IsOrchestration ?? isOrchestrator(s.Type) ? s : ActivityTask.Wrap(s)).ToList();
        }

        DateTimeOffset now = clock.Time.GetUtcNow();
        string[] ids = submissions.Select(s => s.Id ?? InstanceIds.New(now)).ToArray();
        IReadOnlyDictionary<string, string> running = await ReplaceFinishedAsync(
            connection, transaction, submissions.Where(s => s.Id is not null).Select(s => s.Id!).ToArray(), cancellationToken);
        var createdTasks = new Dictionary<string, TaskRecord>();
        var createdOrchestrations = new HashSet<string>();
        int[] toWrite = Enumerable.Range(0, submissions.Count).Where(i => !running.ContainsKey(ids[i])).ToArray();
        int[] activityTasks = toWrite.Where(i => !(submissions[i].IsOrchestration ?? isOrchestrator(submissions[i].Type))).ToArray();
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
            await using NpgsqlDataReader reader = await batch.Positional().ExecuteReaderAsync(cancellationToken);
            if (activityTasks.Length > 0)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    TaskRecord task = rows.Read(reader);
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
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] chosenIds, CancellationToken cancellationToken)
    {
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        if (chosenIds.Length == 0)
        {
            return running;
        }

        await using var command = new NpgsqlCommand(SqlText.Get("Instances/Sql/ReplaceFinishedInstances.sql"), connection, transaction);
        command.Parameters.AddWithValue("ids", chosenIds);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            running[reader.GetString(0)] = reader.GetString(1);
        }

        return running;
    }

    private NpgsqlBatchCommand SubmitActivityTasksCommand(IReadOnlyList<(string Id, TaskSubmission Task)> tasks, string actor)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get("Instances/Sql/SubmitTasks.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("ids", tasks.Select(t => t.Id).ToArray());
        command.Parameters.AddWithValue("names", tasks.Select(t => t.Task.Type).ToArray());
        command.Parameters.AddWithValue("priorities", tasks.Select(t => (short)t.Task.Priority).ToArray());
        command.Parameters.AddWithValue("inputs", tasks.Select(t => t.Task.InputJson).ToArray());
        command.Parameters.AddWithValue("retry_policies", tasks.Select(t => JsonSerializer.Serialize(t.Task.Retry, TaskFlowJson.Options)).ToArray());
        command.Parameters.AddWithValue("max_attempts", tasks.Select(t => t.Task.Retry.MaxAttempts).ToArray());
        command.Parameters.AddWithValue("timeouts", tasks.Select(t => t.Task.Timeout).ToArray());
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
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", submission.Type);
        command.Parameters.AddWithValue("priority", (short)submission.Priority);
        command.Parameters.Add(SqlParameters.Nullable("input", NpgsqlDbType.Text, submission.InputJson));
        command.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Text) { Value = JsonSerializer.Serialize(submission.Tags) });
        command.Parameters.Add(SqlParameters.Nullable("idempotency_key", NpgsqlDbType.Text, submission.IdempotencyKey));
        command.Parameters.AddWithValue("request_hash", submission.RequestHash);
        command.Parameters.Add(SqlParameters.Nullable("parent_instance_id", NpgsqlDbType.Text, null));
        command.Parameters.Add(SqlParameters.Nullable("parent_task_id", NpgsqlDbType.Integer, null));
        command.Parameters.Add(SqlParameters.Nullable("parent_name", NpgsqlDbType.Text, null));
        command.Parameters.AddWithValue("submitted", true);
        command.Parameters.AddWithValue("if_absent", false);
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.Add(SqlParameters.Nullable("run_at", NpgsqlDbType.TimestampTz, submission.RunAt?.ToUniversalTime()));
        command.Parameters.AddWithValue("delay", submission.Delay ?? TimeSpan.Zero);
        command.Parameters.Add(SqlParameters.Nullable("trace_parent", NpgsqlDbType.Text, submission.TraceParent));
        return command;
    }

    private static async Task<Submitted> FindIdempotentTaskAsync(NpgsqlConnection connection, TaskSubmission submission, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Instances/Sql/FindIdempotentTask.sql"), connection);
        command.Parameters.AddWithValue("idempotency_key", submission.IdempotencyKey!);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        string existing = reader.GetString(0);
        byte[] hash = reader.GetFieldValue<byte[]>(1);
        return hash.AsSpan().SequenceEqual(submission.RequestHash)
            ? new Submitted(existing, false, null)
            : new Submitted(existing, false, null, new IdempotencyConflictException(submission.IdempotencyKey!, existing));
    }

    /// <summary>What <see cref="SubmitAsync"/> did with one submission.</summary>
    /// <param name="Conflict">Why nothing was written for it: its idempotency key or its chosen id is taken.</param>
    private sealed record Submitted(string Id, bool Created, TaskRecord? Task, Exception? Conflict = null);

    /// <summary>One submission's answer: its task as committed, or the conflict that kept it out.</summary>
    private sealed record Accepted(TaskRecord? Task, bool Created, Exception? Conflict);
}
