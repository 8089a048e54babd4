using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Entities;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.Telemetry;
using TaskFlow.WorkItems;

namespace TaskFlow.Orchestrations;

/// <summary>An orchestration episode's reads and writes, for whatever replays it (the server's dispatcher through the
/// SDK's runner, or the Durable Task Framework's dispatcher through TaskFlow's <c>IOrchestrationService</c>): loads the
/// instance, its history and its inbox, and commits what the episode decided (history, new work, children, events to
/// other instances, the outcome) in one transaction fenced by the episode's lease.</summary>
internal sealed partial class EpisodeStore(
    NpgsqlDataSource dataSource,
    SqlClock clock,
    WorkReadyNotifier notifier,
    IOptions<LeaseOptions> leaseOptions,
    ILogger<EpisodeStore> logger)
{
    private const int InboxBatch = 10_000;
    // Timers and episodes run no user code: their attempts only count lost workers.
    private const string TimerRetry = "{\"maxAttempts\":100}";
    private const string EpisodeRetry = "{\"maxAttempts\":10}";

    // An orchestration's activity is retried by its work item only when its worker is lost (the rescuer); a failure
    // it throws goes to the orchestrator at once, whose TaskOptions decide on a retry, as in Durable Task.
    private const int ActivityMaxAttempts = 10;
    private const string ActivityRetry = "{\"maxAttempts\":10}";
    // Raised by the commit's checks (migration 0008).
    private const string LeaseLost = "TF001";
    private const string HistoryMoved = "TF002";
    private const string MovedOn = "TF003"; // migration 0023

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Commits an episode: what <paramref name="result"/> decided, the inbox events it read, and the end (or
    /// the hand-back) of its work item.</summary>
    /// <param name="state">Null (with <paramref name="result"/>) when there was nothing to run: the work item just goes.</param>
    /// <param name="result">Null when the episode had nothing to decide (an ended execution's leftovers, no new events).</param>
    /// <remarks>One round trip: the batch runs as one implicit transaction, and its checks raise (migrations 0008, 0022),
    /// so a lost lease or a moved history undoes all of it.</remarks>
    public Task<EpisodeCommit> CommitAsync(
        NpgsqlConnection connection, WorkItemLease lease, EpisodeState? state, EpisodeResult? result, CancellationToken cancellationToken) =>
        this.CommitAsync(connection, lease, state, result, leaseActivity: false, cancellationToken);

    /// <param name="leaseActivity">Whether the one activity the episode schedules, if that is all it decided, is leased
    /// in the commit to the episode's worker, which starts it (<see cref="EpisodeCommit.LeasedActivity"/>).</param>
    public async Task<EpisodeCommit> CommitAsync(
        NpgsqlConnection connection, WorkItemLease lease, EpisodeState? state, EpisodeResult? result, bool leaseActivity, CancellationToken cancellationToken)
    {
        try
        {
            return (await this.CommitTogetherAsync(connection, [new EpisodeToCommit(lease, state, result, leaseActivity)], cancellationToken))[0];
        }
        catch (PostgresException exception) when (exception.SqlState == LeaseLost)
        {
            return new EpisodeCommit(EpisodeCommitOutcome.LeaseLost, 0);
        }
        catch (PostgresException exception) when (
            exception.SqlState == HistoryMoved || (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.TableName == "history"))
        {
            // A caller wrote this instance's history meanwhile (suspend, say): hand the work item back at once,
            // so the episode runs again on the new history.
            LogHistoryMoved(logger, lease.InstanceId);
            await using var release = new NpgsqlCommand(SqlText.Get("Orchestrations/Sql/ReleaseEpisode.sql"), connection);
            release.Parameters.Add(clock.Now());
            AddFence(release, lease);
            await release.Positional().ExecuteNonQueryAsync(cancellationToken);
            return new EpisodeCommit(EpisodeCommitOutcome.HistoryMoved, 0);
        }
    }

    /// <summary>Commits episodes of different instances that ran on this worker, many in one round trip and one
    /// transaction (<see cref="GroupCommits{TMember}"/>); if any of them cannot commit, each is then committed on its own.</summary>
    /// <returns>Per episode, in order, as <see cref="CommitAsync(NpgsqlConnection, WorkItemLease, EpisodeState?, EpisodeResult?, bool, CancellationToken)"/>.</returns>
    public Task<EpisodeCommit[]> CommitAsync(IReadOnlyList<EpisodeToCommit> episodes, CancellationToken cancellationToken) =>
        this.CommitGroupAsync(
            episodes,
            (connection, group) => this.CommitTogetherAsync(connection, group, cancellationToken),
            (connection, e) => this.CommitAsync(connection, e.Lease, e.State, e.Result, e.LeaseActivity, cancellationToken),
            cancellationToken);

    /// <summary>Commits a group in one transaction (<paramref name="together"/>); if one of its members could not commit,
    /// which undid all, each is then committed on its own (<paramref name="alone"/>), which says which.</summary>
    private async Task<EpisodeCommit[]> CommitGroupAsync<TMember>(
        IReadOnlyList<TMember> members,
        Func<NpgsqlConnection, IReadOnlyList<TMember>, Task<EpisodeCommit[]>> together,
        Func<NpgsqlConnection, TMember, Task<EpisodeCommit>> alone,
        CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (members.Count > 1)
        {
            try
            {
                return await together(connection, members);
            }
            catch (PostgresException exception) when (BelongsToOneMember(exception))
            {
            }
        }

        var commits = new EpisodeCommit[members.Count];
        for (int i = 0; i < members.Count; i++)
        {
            commits[i] = await alone(connection, members[i]);
        }

        return commits;
    }

    /// <summary>Leased episodes' commits in one round trip: their fences (<c>EndEpisodeLeases.sql</c>), then their writes
    /// (<see cref="WriteEpisodesAsync"/>), with the inbox events they read.</summary>
    private async Task<EpisodeCommit[]> CommitTogetherAsync(NpgsqlConnection connection, IReadOnlyList<EpisodeToCommit> episodes, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = KeyedBatch(connection);

        // A work item goes at once when its instance is gone or ended; an instance that waits on keeps it if anything
        // woke it since the lease (an event that came after the load must still find an episode). A full inbox page
        // means more events wait: never count the item as drained then.
        NpgsqlBatchCommand endLeases = Command(batch.BatchCommands, "Orchestrations/Sql/EndEpisodeLeases.sql", clock.Now());
        endLeases.Parameters.AddWithValue("work_item_ids", episodes.Select(e => e.Lease.WorkItemId).ToArray());
        endLeases.Parameters.AddWithValue("lease_tokens", episodes.Select(e => e.Lease.LeaseToken).ToArray());
        endLeases.Parameters.AddWithValue("finished", episodes.Select(e => e.Result is null ? e.State is null : e.Result.EndsExecution).ToArray());
        endLeases.Parameters.AddWithValue("wakeups_seen", episodes.Select(e => e.State?.Inbox.Count >= InboxBatch ? -1 : e.Lease.Wakeups).ToArray());
        return await this.WriteEpisodesAsync(batch, episodes, consumeInbox: true, cancellationToken);
    }

    /// <summary>Commits orchestration activities' results, each together with the episode it starts (docs/architecture.md,
    /// "Continuations"): the end of the activity's lease, the episode's history (<c>TaskCompleted</c> among its events, as
    /// if read from the inbox) and everything it decided. No orchestration work item is involved. Many continuations
    /// share one round trip and one transaction; if any of them cannot commit, each is then committed on its own.</summary>
    /// <returns>Per continuation, in order: <see cref="EpisodeCommitOutcome.LeaseLost"/> when the activity's lease is gone
    /// (its result is discarded); <see cref="EpisodeCommitOutcome.HistoryMoved"/> when the instance moved on, and nothing
    /// was written: the result then goes to the inbox as any other.</returns>
    public Task<EpisodeCommit[]> ContinueAsync(IReadOnlyList<Continuation> continuations, CancellationToken cancellationToken) =>
        this.CommitGroupAsync(
            continuations,
            (connection, group) => this.ContinueTogetherAsync(connection, group, cancellationToken),
            (connection, continuation) => this.ContinueAloneAsync(connection, continuation, cancellationToken),
            cancellationToken);

    private async Task<EpisodeCommit> ContinueAloneAsync(NpgsqlConnection connection, Continuation continuation, CancellationToken cancellationToken)
    {
        try
        {
            return (await this.ContinueTogetherAsync(connection, [continuation], cancellationToken))[0];
        }
        catch (PostgresException exception) when (exception.SqlState == LeaseLost)
        {
            return new EpisodeCommit(EpisodeCommitOutcome.LeaseLost, 0);
        }
        catch (PostgresException exception) when (BelongsToOneMember(exception))
        {
            return new EpisodeCommit(EpisodeCommitOutcome.HistoryMoved, 0);
        }
    }

    /// <summary>A failure that belongs to one member of a group commit (its lease, its instance, or a deadlock with a
    /// writer of one of its rows), not to the database as a whole.</summary>
    private static bool BelongsToOneMember(PostgresException exception) =>
        exception.SqlState is LeaseLost or MovedOn or HistoryMoved or PostgresErrorCodes.DeadlockDetected
        || (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.TableName == "history");

    /// <summary>Continuations' commits in one round trip: their fences (<c>ContinueAfterActivities.sql</c>), then the
    /// episodes' writes (<see cref="WriteEpisodesAsync"/>). The activity's lease stands for the episode's: the fence and
    /// the actor; its result is the episode's one fresh event, read from no inbox row.</summary>
    private async Task<EpisodeCommit[]> ContinueTogetherAsync(NpgsqlConnection connection, IReadOnlyList<Continuation> continuations, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = KeyedBatch(connection);
        NpgsqlBatchCommand fences = Command(batch.BatchCommands, "Orchestrations/Sql/ContinueAfterActivities.sql");
        fences.Parameters.AddWithValue("work_item_ids", continuations.Select(c => c.Activity.WorkItemId).ToArray());
        fences.Parameters.AddWithValue("lease_tokens", continuations.Select(c => c.Activity.LeaseToken).ToArray());
        fences.Parameters.AddWithValue("instance_ids", continuations.Select(c => c.Activity.InstanceId).ToArray());
        fences.Parameters.AddWithValue("last_sequences", continuations.Select(c => c.State.LastSequence).ToArray());
        List<EpisodeToCommit> episodes = [.. continuations.Select(c => new EpisodeToCommit(c.Activity, c.State, c.Result, c.LeaseActivity))];
        return await this.WriteEpisodesAsync(batch, episodes, consumeInbox: false, cancellationToken);
    }

    /// <summary>A commit's batch, starting with the setting that keeps its statements on generic plans: each reads every
    /// table by the keys given (KeyedPlans), and left to itself PostgreSQL planned the fences, the activity's insert and
    /// the inbox's consumption at most episodes (the continuation's fence: 0.37 of its 0.49 ms a call in the soak).
    /// <see cref="OptionalFilterQuery.ExecuteQueryAsync"/> skips the setting's row.</summary>
    private static NpgsqlBatch KeyedBatch(NpgsqlConnection connection)
    {
        var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(KeyedPlans.GenericLookups));
        return batch;
    }

    /// <summary>Adds what the episodes decided to <paramref name="batch"/>, after its fences, and runs it: one implicit
    /// transaction, whose checks raise (migrations 0008, 0022, 0023), so a lost lease or a moved history undoes all of
    /// it.</summary>
    /// <param name="consumeInbox">Whether the episodes read their events from the inbox (not a continuation's result).</param>
    private async Task<EpisodeCommit[]> WriteEpisodesAsync(NpgsqlBatch batch, IReadOnlyList<EpisodeToCommit> episodes, bool consumeInbox, CancellationToken cancellationToken)
    {
        var commits = new EpisodeCommit[episodes.Count];
        bool[] leasing = new bool[episodes.Count];
        WakeUps readies = WakeUps.None;
        var writes = new EpisodeWrites();
        for (int i = 0; i < episodes.Count; i++)
        {
            (WorkItemLease lease, EpisodeState? state, EpisodeResult? result, bool leaseActivity) = episodes[i];
            commits[i] = new EpisodeCommit(EpisodeCommitOutcome.Committed, 0);
            if (state is not null && result is not null)
            {
                (WakeUps readied, int lastSequence, bool leases) = this.AddEpisodeWrites(batch.BatchCommands, writes, lease, state, result, leaseActivity);
                readies |= readied;
                commits[i] = commits[i] with { LastSequence = lastSequence };
                leasing[i] = leases;
            }
        }

        // One worker's episodes: the activities are leased to it.
        writes.AddTo(batch, clock, episodes[0].Lease.LeaseOwner, leaseOptions.Value.Duration, ActivityRetry, ActivityMaxAttempts);
        if (consumeInbox)
        {
            AddConsumeInbox(batch.BatchCommands, episodes); // what the episodes read, or events of ended executions
        }

        await using (NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken))
        {
            // The fences' row: a leased episode's names the work items handed back rather than deleted.
            await reader.ReadAsync(cancellationToken);
            HashSet<long> handedBack = reader.GetName(reader.FieldCount - 1) == "handed_back" ? [.. reader.GetFieldValue<long[]>(reader.FieldCount - 1)] : [];
            Dictionary<string, object[]> leasedRows = await ReadLeasedActivitiesAsync(reader, cancellationToken);
            for (int i = 0; i < episodes.Count; i++)
            {
                WorkItemLease lease = episodes[i].Lease;

                // Events came while the episode ran, and the next episode is ready now. A waiting dispatcher must hear
                // of it, or it sleeps until its next poll.
                if (handedBack.Contains(lease.WorkItemId))
                {
                    commits[i] = commits[i] with { HandedBack = true };
                    readies |= lease.Kind == WorkKinds.Entity ? WakeUps.Entities : WakeUps.Episodes;
                }

                if (leasing[i] && IsLeased(leasedRows[lease.InstanceId]))
                {
                    commits[i] = commits[i] with { LeasedActivity = Leased(leasedRows[lease.InstanceId], lease, episodes[i].State!, episodes[i].Result!) };
                }
                else if (leasing[i])
                {
                    readies |= WakeUps.Activities; // a limit governs the activity: it waits in the queue for a slot
                }
            }
        }

        notifier.Ring(readies);
        foreach ((_, EpisodeState? state, EpisodeResult? result, _) in episodes)
        {
            if (state is not null && result is not null)
            {
                RecordMetrics(state, result);
            }
        }

        return commits;
    }

    /// <summary>Reads a commit's results to the end, so that any check raises here, keeping InsertLeasedActivity.sql's rows.</summary>
    /// <returns>Its rows by instance (one activity per episode, one episode per instance in a commit); empty when the
    /// commit leases no activity.</returns>
    private static async Task<Dictionary<string, object[]>> ReadLeasedActivitiesAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, object[]>(StringComparer.Ordinal);
        do
        {
            if (reader.FieldCount > 0 && reader.GetName(0) == "leased_work_item_id")
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    object[] row = new object[reader.FieldCount];
                    reader.GetValues(row);
                    rows[(string)row[5]] = row;
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return rows;
    }

    /// <summary>Whether InsertLeasedActivity.sql's row leased its activity: not when a limit governs it (the queue leases it then).</summary>
    private static bool IsLeased(object[] row) => row[1] is not DBNull;

    /// <summary>The lease of the activity InsertLeasedActivity.sql leased to this worker, from its result's row.</summary>
    private static WorkItemLease Leased(object[] row, WorkItemLease episode, EpisodeState state, EpisodeResult result)
    {
        var scheduled = (ScheduleActivityAction)result.Actions[0];
        return new WorkItemLease(
            WorkItemId: (long)row[0],
            InstanceId: episode.InstanceId,
            Execution: state.Execution,
            Kind: WorkKinds.Activity,
            TaskId: scheduled.TaskId,
            Name: scheduled.Name,
            InputJson: scheduled.InputJson,
            RetryPolicyJson: ActivityRetry,
            Timeout: null,
            Attempt: 1,
            MaxAttempts: ActivityMaxAttempts,
            LeaseToken: (long)row[1],
            LeasedAt: new DateTimeOffset((DateTime)row[2]),
            LeaseExpiresAt: new DateTimeOffset((DateTime)row[3]),
            LeaseOwner: episode.LeaseOwner,
            Wakeups: 0,
            InstanceKind: WorkKinds.Orchestration,
            CreatedAt: new DateTimeOffset((DateTime)row[4]),
            TraceParent: episode.TraceParent);
    }

    /// <summary>A committed episode in the metrics: the orchestration's start (its first episode), its end, the episode.</summary>
    private void RecordMetrics(EpisodeState state, EpisodeResult result)
    {
        KeyValuePair<string, object?> type = TaskFlowMetrics.Type(state.Name);
        if (result.Outcome == EpisodeOutcome.EntityBatch)
        {
            TaskFlowMetrics.EntityMessages.Add(state.Fresh.Count(), new KeyValuePair<string, object?>("entity", state.Name));
            return;
        }

        TaskFlowMetrics.Episodes.Add(1);
        if (state.Status == TaskStatuses.Pending && state.Execution == 1)
        {
            TaskFlowMetrics.Started.Add(1, type);
        }

        if (result.Outcome is EpisodeOutcome.Completed or EpisodeOutcome.Failed)
        {
            (result.Outcome == EpisodeOutcome.Completed ? TaskFlowMetrics.Succeeded : TaskFlowMetrics.DeadLettered).Add(1, type);
            TaskFlowMetrics.TaskDuration.Record((clock.Time.GetUtcNow() - state.CreatedAt).TotalSeconds, type);
        }
    }

    /// <summary>Adds everything the episode decided to the commit: the history in Durable Task's order
    /// (OrchestratorStarted, the events it read, one event per action, the end of the execution if it ended,
    /// OrchestratorCompleted), the new work, children, events to other instances, and the instance's state.</summary>
    /// <param name="before">Where the statements that go before the history and the instance's update are added (children
    /// started, a new execution's first events).</param>
    /// <param name="writes">The writes merged with the commit's other episodes' (<see cref="EpisodeWrites"/>), and the
    /// statements that must follow the instances' update (<see cref="EpisodeWrites.After"/>).</param>
    /// <returns>The dispatcher loops the work the commit readies is for (new work items, a child, a parent's next episode,
    /// an event to another instance or an entity), the history sequence the commit leaves, and whether it leases the
    /// episode's one activity (InsertLeasedActivity.sql).</returns>
    private (WakeUps Readies, int LastSequence, bool LeasesActivity) AddEpisodeWrites(
        IList<NpgsqlBatchCommand> before, EpisodeWrites writes, WorkItemLease lease, EpisodeState state, EpisodeResult result, bool leaseActivity)
    {
        List<NpgsqlBatchCommand> after = writes.After;
        // Only a step that schedules one activity and waits is handed to its worker: a fan-out is the queue's to spread.
        ScheduleActivityAction? handedOver = leaseActivity && result.Outcome == EpisodeOutcome.Waiting && result.Actions is [ScheduleActivityAction one] ? one : null;
        string actor = lease.LeaseOwner;
        int execution = state.Execution;
        var events = new HistoryRows(lease.InstanceId, state.LastSequence);
        // The episode's time is what CurrentUtcDateTime (and so NewGuid) read. PostgreSQL keeps microseconds; a time with
        // finer ticks (the Durable Task Framework dispatcher's clock, through the provider) is kept exactly in the payload,
        // so a replay reads the same time the first run did.
        string? exactTime = state.Now.UtcTicks % TimeSpan.TicksPerMicrosecond == 0 ? null : DurableHistory.Payload(new { timestamp = state.Now });
        events.Add(execution, "OrchestratorStarted", null, null, exactTime, state.Now, actor);
        foreach (InboxEvent received in state.Fresh)
        {
            events.Add(execution, received.Event.EventType, received.Event.TaskId, received.Event.Attempt, received.Event.PayloadJson, received.Event.Timestamp, received.Event.Actor);
        }

        var work = new WorkRows();
        var sends = new List<SendEventAction>();
        WakeUps readies = WakeUps.None;
        foreach (OrchestrationAction action in result.Actions)
        {
            switch (action)
            {
                case ScheduleActivityAction activity:
                    events.Add(execution, "TaskScheduled", action.TaskId, null, DurableHistory.NameAndInput(activity.Name, activity.InputJson), null, actor);
                    if (activity != handedOver)
                    {
                        work.Add(WorkKinds.Activity, action.TaskId, activity.Name, activity.InputJson, ActivityRetry, ActivityMaxAttempts, null);
                        readies |= WakeUps.Activities;
                    }

                    break;
                case CreateTimerAction timer:
                    events.Add(execution, "TimerCreated", action.TaskId, null, DurableHistory.Payload(new { fireAt = timer.FireAt }), null, actor);
                    work.Add(WorkKinds.Timer, action.TaskId, "timer", null, TimerRetry, 100, timer.FireAt);
                    readies |= WakeUps.Episodes; // the episodes' loop fires timers, and a sooner one shortens its wait
                    break;
                case StartSubOrchestrationAction child:
                    events.Add(execution, "SubOrchestrationInstanceCreated", action.TaskId, null, DurableHistory.Payload(new { name = child.Name, instanceId = child.InstanceId, input = DurableHistory.Parse(child.InputJson) }), null, actor);
                    this.AddStartOrchestration(before, lease, state, child.Name, child.InstanceId, child.InputJson, child.TaskId, actor);
                    readies |= WakeUps.Episodes;
                    break;
                case StartOrchestrationAction started:
                    events.Add(execution, "OrchestrationScheduled", action.TaskId, null, DurableHistory.Payload(new { name = started.Name, instanceId = started.InstanceId, input = DurableHistory.Parse(started.InputJson) }), null, actor);
                    this.AddStartOrchestration(before, lease, state, started.Name, started.InstanceId, started.InputJson, parentTaskId: null, actor);
                    readies |= WakeUps.Episodes;
                    break;
                case SendEventAction sent:
                    events.Add(execution, "EventSent", action.TaskId, null, DurableHistory.Payload(new { instanceId = sent.InstanceId, name = sent.EventName, input = DurableHistory.Parse(sent.DataJson) }), null, actor);
                    sends.Add(sent);
                    break;
            }
        }

        string status = TaskStatuses.Running;
        switch (result.Outcome)
        {
            case EpisodeOutcome.Completed:
                status = TaskStatuses.Succeeded;
                events.Add(execution, "ExecutionCompleted", null, null, DurableHistory.Payload(new { orchestrationStatus = "Completed", output = DurableHistory.Parse(result.OutputJson) }), null, actor);
                break;
            case EpisodeOutcome.Failed:
                status = TaskStatuses.Failed;
                events.Add(execution, "ExecutionCompleted", null, null, DurableHistory.Payload(new { orchestrationStatus = "Failed", error = result.Failure }), null, actor);
                break;
            case EpisodeOutcome.ContinuedAsNew:
                events.Add(execution, "ContinueAsNew", null, null, DurableHistory.Payload(new { input = DurableHistory.Parse(result.NewInputJson) }), null, actor);
                break;
            case EpisodeOutcome.EntityBatch:
                events.Add(execution, "EntityStateSaved", null, null, DurableHistory.Payload(new { state = DurableHistory.Parse(result.NewInputJson) }), null, actor);
                break;
        }

        events.Add(execution, "OrchestratorCompleted", null, null, null, null, actor);
        if (result.Outcome == EpisodeOutcome.ContinuedAsNew)
        {
            execution++;
            this.AddNextExecution(before, lease.InstanceId, execution, state, result, actor);
        }

        writes.AddHistory(events);

        // The SDK answers the whole custom status every episode; a new execution starts without one.
        bool customStatusChanged = result.CustomStatusJson is not null || result.Outcome == EpisodeOutcome.ContinuedAsNew;
        writes.AddUpdate(new EpisodeWrites.InstanceUpdate(
            lease.InstanceId,
            status,
            execution,
            ReplaceInput: result.Outcome is EpisodeOutcome.ContinuedAsNew or EpisodeOutcome.EntityBatch,
            result.NewInputJson,
            result.OutputJson,
            result.Failure is null ? null : JsonSerializer.Serialize(result.Failure, TaskFlowJson.Options),
            customStatusChanged,
            result.Outcome == EpisodeOutcome.ContinuedAsNew ? null : result.CustomStatusJson,
            events.LastSequence,
            state.LastSequence));

        // Before any new work is inserted: when the execution ends, all its other work goes, and a
        // ContinueAsNew's first episode must not go with it. (Timers an episode abandoned, as a wait's time-out
        // once its event came, stay: they fire into a history that no longer waits for them, as in Durable Task.)
        if (result.EndsExecution)
        {
            NpgsqlBatchCommand moot = Command(after, "Orchestrations/Sql/DeleteOrchestrationWork.sql");
            moot.Parameters.AddWithValue("instance_id", lease.InstanceId);
            moot.Parameters.AddWithValue("work_item_id", lease.WorkItemId);
        }

        if (result.Outcome == EpisodeOutcome.ContinuedAsNew)
        {
            var next = new WorkRows();
            next.Add(WorkKinds.Orchestration, 0, state.Name, null, EpisodeRetry, 10, null);
            next.AddTo(Command(after, "Orchestrations/Sql/InsertWorkItems.sql", clock.Now()), lease.InstanceId, execution, state.Priority);
        }
        else if (handedOver is not null)
        {
            writes.AddLeasedActivity(new EpisodeWrites.LeasedActivity(
                lease.InstanceId, state.Execution, handedOver.TaskId, handedOver.Name, handedOver.InputJson, state.Priority));
        }
        else if (work.Count > 0)
        {
            // Also when the orchestration just ended: an activity it scheduled without waiting for it still runs, as
            // Durable Task dispatches it; its result finds a finished instance and wakes nothing.
            work.AddTo(Command(after, "Orchestrations/Sql/InsertWorkItems.sql", clock.Now()), lease.InstanceId, execution, state.Priority);
        }

        // After the instance's update: an event an orchestration sends itself as it continues as new (the SDK's way of
        // keeping unprocessed events) belongs to the next execution, as in Durable Task, where a message finds the latest.
        foreach (SendEventAction sent in sends)
        {
            readies |= this.AddSendEvent(after, sent, actor);
        }

        if (result.Outcome is EpisodeOutcome.Completed or EpisodeOutcome.Failed && state.ParentInstanceId is { } parent)
        {
            NpgsqlBatchCommand notify = Command(after, "Orchestrations/Sql/NotifyParent.sql", clock.Now());
            bool succeeded = result.Outcome == EpisodeOutcome.Completed;
            notify.Parameters.AddWithValue("parent_instance_id", parent);
            notify.Parameters.AddWithValue("parent_task_id", state.ParentTaskId ?? 0);
            notify.Parameters.AddWithValue("event_type", succeeded ? "SubOrchestrationInstanceCompleted" : "SubOrchestrationInstanceFailed");
            notify.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Text)
            {
                Value = succeeded
                    ? DurableHistory.Payload(new { instanceId = lease.InstanceId, output = DurableHistory.Parse(result.OutputJson) })
                    : DurableHistory.Payload(new { instanceId = lease.InstanceId, error = result.Failure }),
            });
            notify.Parameters.AddWithValue("actor", actor);
            readies |= WakeUps.Episodes;
        }

        if (result.Outcome == EpisodeOutcome.ContinuedAsNew)
        {
            readies |= WakeUps.Episodes;
        }

        return (readies, events.LastSequence, handedOver is not null);
    }

    /// <summary>One ConsumeInbox.sql statement for the events the episodes read, if any.</summary>
    /// <remarks>On the commit's generic plan: left to itself, PostgreSQL costs a generic <c>= ANY(array)</c> as ten index
    /// probes against one for the usual one-element array, so it planned the statement afresh at every episode, a fifth of
    /// a millisecond of planning per orchestration (pg_stat_statements).</remarks>
    private static void AddConsumeInbox(IList<NpgsqlBatchCommand> commands, IEnumerable<EpisodeToCommit> episodes)
    {
        var read = episodes.SelectMany(e => (e.State?.Inbox ?? []).Select(received => (e.Lease.InstanceId, received.Id))).ToList();
        if (read.Count == 0)
        {
            return;
        }

        NpgsqlBatchCommand consume = Command(commands, "Orchestrations/Sql/ConsumeInbox.sql");
        consume.Parameters.AddWithValue("instance_ids", read.Select(r => r.InstanceId).ToArray());
        consume.Parameters.AddWithValue("inbox_ids", read.Select(r => r.Id).ToArray());
    }

    /// <summary>The next execution's ExecutionStarted and carried-over events, for its first episode.</summary>
    private void AddNextExecution(IList<NpgsqlBatchCommand> commands, string instanceId, int execution, EpisodeState state, EpisodeResult result, string actor)
    {
        List<(string Type, string Payload)> first =
        [
            ("ExecutionStarted", DurableHistory.Payload(new { name = state.Name, input = DurableHistory.Parse(result.NewInputJson), priority = state.Priority })),
            .. result.CarryoverEvents.Select(e => (e.EventType, e.PayloadJson!)),
        ];
        NpgsqlBatchCommand queue = Command(commands, "Orchestrations/Sql/QueueNextExecution.sql", clock.Now());
        queue.Parameters.AddWithValue("instance_id", instanceId);
        queue.Parameters.AddWithValue("execution", execution);
        queue.Parameters.AddWithValue("event_types", first.Select(e => e.Type).ToArray());
        queue.Parameters.AddWithValue("payloads", first.Select(e => e.Payload).ToArray());
        queue.Parameters.AddWithValue("actor", actor);
    }

    /// <returns>The loops the event wakes: an entity's (a message to an entity creates it), an orchestration's, or none
    /// for an id that is not a TaskFlow instance, whose event is dropped, as Durable Task drops events to instances that
    /// do not exist.</returns>
    private WakeUps AddSendEvent(IList<NpgsqlBatchCommand> commands, SendEventAction sent, string actor)
    {
        if (EntityIds.IsEntity(sent.InstanceId))
        {
            NpgsqlBatchCommand send = Command(commands, "Entities/Sql/SendToEntity.sql");
            EntityClient.AddSend(send.Parameters, clock.Now(), sent.InstanceId, sent.EventName, sent.DataJson, actor);
            return WakeUps.Entities;
        }

        if (!InstanceIds.IsValid(sent.InstanceId))
        {
            return WakeUps.None;
        }

        NpgsqlBatchCommand raise = Command(commands, "Instances/Sql/RaiseEvent.sql", clock.Now());
        raise.Parameters.AddWithValue("id", sent.InstanceId);
        raise.Parameters.AddWithValue("name", sent.EventName);
        raise.Parameters.Add(SqlParameters.Nullable("input", NpgsqlDbType.Text, sent.DataJson));
        raise.Parameters.AddWithValue("actor", actor);
        return WakeUps.Episodes;
    }

    /// <param name="parentTaskId">The child's task id in the parent's history; null for an orchestration an entity
    /// starts, which reports to no one and is not started when its id is taken (the framework drops such a start).</param>
    private void AddStartOrchestration(
        IList<NpgsqlBatchCommand> commands, WorkItemLease lease, EpisodeState state, string name, string instanceId, string? inputJson, int? parentTaskId, string actor)
    {
        NpgsqlBatchCommand start = Command(commands, "Orchestrations/Sql/StartOrchestration.sql", clock.Now());
        start.Parameters.AddWithValue("id", instanceId);
        start.Parameters.AddWithValue("name", name);
        start.Parameters.AddWithValue("priority", (short)state.Priority);
        start.Parameters.Add(SqlParameters.Nullable("input", NpgsqlDbType.Text, inputJson));
        start.Parameters.Add(new NpgsqlParameter("tags", NpgsqlDbType.Text) { Value = "{}" });
        start.Parameters.Add(SqlParameters.Nullable("idempotency_key", NpgsqlDbType.Text, null));
        start.Parameters.Add(new NpgsqlParameter("request_hash", NpgsqlDbType.Bytea) { Value = DBNull.Value });
        start.Parameters.Add(SqlParameters.Nullable("parent_instance_id", NpgsqlDbType.Text, parentTaskId is null ? null : lease.InstanceId));
        start.Parameters.Add(SqlParameters.Nullable("parent_task_id", NpgsqlDbType.Integer, parentTaskId));
        start.Parameters.Add(SqlParameters.Nullable("parent_name", NpgsqlDbType.Text, parentTaskId is null ? null : state.Name));
        start.Parameters.AddWithValue("submitted", false);
        start.Parameters.AddWithValue("if_absent", parentTaskId is null);
        start.Parameters.AddWithValue("actor", actor);
        start.Parameters.Add(SqlParameters.Nullable("run_at", NpgsqlDbType.TimestampTz, null));
        start.Parameters.AddWithValue("delay", TimeSpan.Zero);
        start.Parameters.Add(SqlParameters.Nullable("trace_parent", NpgsqlDbType.Text, lease.TraceParent)); // a child is in its parent's trace
    }

    /// <summary>Loads the instance, its current execution's history and its inbox in one round trip.</summary>
    /// <param name="withHistory">Whether to load the current execution's history too (not when this worker's session
    /// for the instance will do).</param>
    public async Task<EpisodeState?> LoadAsync(NpgsqlConnection connection, string instanceId, bool withHistory, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        // All three read by the instance's id: one generic plan each per connection. Planned per call, the history's
        // cost 0.15-0.2 ms of planning for 0.02 of running in `orchestrations` (pg_stat_statements).
        batch.BatchCommands.Add(new NpgsqlBatchCommand(KeyedPlans.GenericLookups));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/LoadOrchestration.sql")) { Parameters = { new("instance_id", instanceId), clock.Now() } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/LoadInbox.sql")) { Parameters = { new("instance_id", instanceId), InboxAfter(0) } });
        if (withHistory)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/LoadHistory.sql")) { Parameters = { new("instance_id", instanceId) } });
        }

        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var state = new EpisodeState(
            reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.GetInt16(6),
            reader.GetFieldValue<DateTimeOffset>(7), null, [], reader.GetFieldValue<DateTimeOffset>(8))
        {
            EntityStateJson = reader.IsDBNull(9) ? null : reader.GetString(9),
        };
        await reader.NextResultAsync(cancellationToken);
        List<InboxEvent> inbox = await ReadInboxAsync(reader, cancellationToken);
        return state with { History = withHistory ? await ReadHistoryAsync(reader, cancellationToken) : null, Inbox = inbox };
    }

    /// <summary>The events that reached the instance's inbox after the one with id <paramref name="after"/>, in arrival order.</summary>
    public static async Task<List<InboxEvent>> LoadInboxAfterAsync(NpgsqlConnection connection, string instanceId, long after, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Orchestrations/Sql/LoadInbox.sql"), connection)
        {
            Parameters = { new("instance_id", instanceId), InboxAfter(after) },
        };
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await ReadInboxAsync(reader, cancellationToken);
    }

    /// <summary>LoadInbox.sql's <c>@after</c>: 0 for the whole inbox.</summary>
    private static NpgsqlParameter<long> InboxAfter(long id) => new("after", id);

    private static async Task<List<InboxEvent>> ReadInboxAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var inbox = new List<InboxEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            inbox.Add(new InboxEvent(reader.GetInt64(0), reader.GetInt32(1), ReadEvent(reader, 2)));
        }

        return inbox;
    }

    /// <summary>The current execution's history, when the batch that loaded the instance did not bring it.</summary>
    public static async Task<IReadOnlyList<OrchestrationEvent>> LoadHistoryAsync(NpgsqlConnection connection, string instanceId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Orchestrations/Sql/LoadHistory.sql"), connection) { Parameters = { new("instance_id", instanceId) } };
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await ReadHistoryAsync(reader, cancellationToken, nextResult: false);
    }

    private static async Task<IReadOnlyList<OrchestrationEvent>> ReadHistoryAsync(NpgsqlDataReader reader, CancellationToken cancellationToken, bool nextResult = true)
    {
        if (nextResult)
        {
            await reader.NextResultAsync(cancellationToken);
        }

        var history = new List<OrchestrationEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            history.Add(ReadEvent(reader, 0));
        }

        return history;
    }

    private static OrchestrationEvent ReadEvent(NpgsqlDataReader reader, int first) => new(
        reader.GetString(first),
        reader.IsDBNull(first + 1) ? null : reader.GetInt32(first + 1),
        reader.IsDBNull(first + 2) ? null : reader.GetInt32(first + 2),
        reader.IsDBNull(first + 3) ? null : reader.GetString(first + 3),
        reader.GetFieldValue<DateTimeOffset>(first + 4),
        reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5));

    private static NpgsqlBatchCommand Command(IList<NpgsqlBatchCommand> commands, string sqlPath, NpgsqlParameter? now = null)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get(sqlPath));
        if (now is not null)
        {
            command.Parameters.Add(now);
        }

        commands.Add(command);
        return command;
    }

    private static void AddFence(NpgsqlCommand command, WorkItemLease lease)
    {
        command.Parameters.AddWithValue("work_item_id", lease.WorkItemId);
        command.Parameters.AddWithValue("lease_token", lease.LeaseToken);
    }

    private static void AddFence(NpgsqlBatchCommand command, WorkItemLease lease)
    {
        command.Parameters.AddWithValue("work_item_id", lease.WorkItemId);
        command.Parameters.AddWithValue("lease_token", lease.LeaseToken);
    }


    [LoggerMessage(EventId = EventIds.HistoryMovedDuringEpisode, Level = LogLevel.Warning, Message = "History of {InstanceId} moved during an episode; rolled back, it will run again")]
    private static partial void LogHistoryMoved(ILogger logger, string instanceId);
}
