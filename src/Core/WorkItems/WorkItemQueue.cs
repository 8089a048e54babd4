using System.Text.Json;
using System.Xml;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Activities;
using TaskFlow.Database;
using TaskFlow.Json;
using TaskFlow.Notifications;
using TaskFlow.Retries;

namespace TaskFlow.WorkItems;

/// <summary>The queue of work items in PostgreSQL: record each attempt's outcome (leases are taken, renewed and handed back by WorkItemLeases, in src/Core/Leases).</summary>
/// <remarks>Every write after the lease is fenced by the lease token: a method that returns false found the
/// lease gone (expired and handed on, or the task cancelled) and changed nothing.
/// Outcomes that wake an orchestration ring the <see cref="WorkReadyNotifier"/> after their commit.</remarks>
internal sealed class WorkItemQueue(NpgsqlDataSource dataSource, SqlClock clock, WorkReadyNotifier notifier)
{
    /// <summary>How many times a batch of outcomes is tried before its failure is given up (its leases then expire).</summary>
    private const int CompletionTries = 3;

    /// <summary>When the earliest waiting (delayed or backing-off) work item becomes ready, if any; while limited work
    /// is ready but held by its limit, <see cref="Limits.LimitedWork.RecheckInterval"/> from now.</summary>
    /// <param name="kinds">Only work of these kinds; null for any.</param>
    public Task<DateTimeOffset?> NextVisibleAtAsync(CancellationToken cancellationToken, string[]? kinds = null) =>
        this.NextTimeAsync(
            "WorkItems/Sql/NextVisibleAt.sql",
            new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)kinds ?? DBNull.Value },
            cancellationToken);

    /// <summary>When work that limits govern may next be leased: as <see cref="NextVisibleAtAsync"/>, for that work alone.</summary>
    public Task<DateTimeOffset?> NextLimitedAtAsync(CancellationToken cancellationToken) =>
        this.NextTimeAsync("WorkItems/Sql/NextLimitedAt.sql", kinds: null, cancellationToken);

    /// <summary>How many work items are ready and not taken, counting no further than <paramref name="upTo"/>.</summary>
    public async Task<long> CountReadyAsync(long upTo, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("WorkItems/Sql/CountReady.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("up_to", upTo);
        return (long)(await command.Positional().ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Records many activities' results, in one statement and one commit per kind (single-activity
    /// tasks complete; orchestration activities go to their orchestration's inbox).</summary>
    /// <returns>The work items completed; a lease missing from it was lost, and its result is discarded.</returns>
    /// <remarks>A statement that fails transiently (chosen as a deadlock's victim, its connection dropped) is tried
    /// again at once, up to <see cref="CompletionTries"/> times: each outcome is fenced by its lease token, so a second
    /// try cannot record one twice, and without it every task of the batch would wait for its lease to expire and lose
    /// the attempt. (When a commit succeeded but its answer was lost with the connection, the second try finds those leases
    /// gone and reports them lost: the outcomes are recorded, only this process's log and metrics miss them, and an episode
    /// the first try leased for a hand-off waits for its lease to expire.)</remarks>
    /// <param name="handOff">Where the episodes the orchestrations' results wake go, leased in the same commit; without
    /// one they are queued for any worker, and the ring wakes the workers.</param>
    public async Task<IReadOnlySet<long>> CompleteActivitiesAsync(
        IReadOnlyList<(WorkItemLease Lease, string? OutputJson)> outcomes, CancellationToken cancellationToken, EpisodeHandOff? handOff = null)
    {
        var completed = new HashSet<long>();
        foreach (IGrouping<bool, (WorkItemLease Lease, string? OutputJson)> kind in outcomes.GroupBy(o => o.Lease.IsOrchestrationActivity))
        {
            Completions done = await this.CompleteKindAsync(kind.Key, [.. kind], kind.Key ? handOff : null, cancellationToken);
            completed.UnionWith(done.WorkItemIds);
            if (!kind.Key || done.WorkItemIds.Count == 0)
            {
                continue;
            }

            foreach (WorkItemLease episode in done.HandedEpisodes)
            {
                handOff!.Take(episode);
            }

            // Their orchestrations' next episodes: the workers are rung unless every one was handed over (one queued
            // already, or an instance that ended, is not).
            if (handOff is null || done.HandedEpisodes.Count < kind.Where(o => completed.Contains(o.Lease.WorkItemId))
                    .Select(o => o.Lease.InstanceId).Distinct(StringComparer.Ordinal).Count())
            {
                notifier.Ring(WakeUps.Episodes);
            }
        }

        return completed;
    }

    /// <summary>One kind's statement, tried again at once when it fails transiently (see <see cref="CompleteActivitiesAsync"/>).</summary>
    private async Task<Completions> CompleteKindAsync(
        bool orchestrationActivities, IReadOnlyList<(WorkItemLease Lease, string? OutputJson)> outcomes, EpisodeHandOff? handOff,
        CancellationToken cancellationToken)
    {
        for (int tries = 1; ; tries++)
        {
            try
            {
                return await this.WriteCompletionsAsync(orchestrationActivities, outcomes, handOff, cancellationToken);
            }
            catch (NpgsqlException exception) when (exception.IsTransient && tries < CompletionTries && !cancellationToken.IsCancellationRequested)
            {
                // A deadlock's victim is rolled back as a whole, so trying again writes each outcome once.
            }
        }
    }

    private async Task<Completions> WriteCompletionsAsync(
        bool orchestrationActivities, IReadOnlyList<(WorkItemLease Lease, string? OutputJson)> outcomes, EpisodeHandOff? handOff,
        CancellationToken cancellationToken)
    {
        // Both completions bound every table by the ids they are given or find, so each keeps one plan (KeyedPlans):
        // planned per call, they cost more to plan than to run in small batches (the orchestrations' activities in the
        // provider's one-at-a-time steps: 0.42-0.53 ms of planning against 0.15-0.19 ms of running).
        await using NpgsqlBatch batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(KeyedPlans.Generic));

        var command = new NpgsqlBatchCommand(SqlText.Get(orchestrationActivities ? "WorkItems/Sql/CompleteOrchestrationActivities.sql" : "WorkItems/Sql/CompleteActivityTasks.sql"));
        batch.BatchCommands.Add(command);
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("work_item_ids", outcomes.Select(o => o.Lease.WorkItemId).ToArray());
        command.Parameters.AddWithValue("lease_tokens", outcomes.Select(o => o.Lease.LeaseToken).ToArray());
        command.Parameters.AddWithValue("outputs", outcomes.Select(o => o.OutputJson ?? "null").ToArray());
        command.Parameters.AddWithValue("workers", outcomes.Select(o => o.Lease.LeaseOwner).ToArray());
        command.Parameters.Add(new NpgsqlParameter("lease_to", NpgsqlDbType.Text) { Value = (object?)handOff?.WorkerId ?? DBNull.Value });
        command.Parameters.AddWithValue("lease_duration", handOff?.LeaseDuration ?? TimeSpan.Zero);
        var completed = new List<long>(outcomes.Count);
        var handed = new List<WorkItemLease>();
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // A completed work item's id, or (orchestrations' activities, with a hand-off) an episode leased for it.
            if (reader.IsDBNull(0))
            {
                handed.Add(WorkItemLease.Read(reader, first: 1));
            }
            else
            {
                completed.Add(reader.GetInt64(0));
            }
        }

        return new Completions(completed, handed);
    }

    /// <summary>What one completion statement did: the work items it completed, and the episodes it leased for a hand-off.</summary>
    private sealed record Completions(IReadOnlyList<long> WorkItemIds, IReadOnlyList<WorkItemLease> HandedEpisodes);

    /// <summary>Fires a durable timer whose time has come (it could be leased, so it is visible).</summary>
    public async Task<bool> FireTimerAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("WorkItems/Sql/FireTimer.sql"));
        command.Parameters.Add(clock.Now());
        AddFence(command, lease);
        command.Parameters.AddWithValue("worker_id", lease.LeaseOwner);
        return await this.ExecuteFencedAndRingAsync(command, cancellationToken);
    }

    /// <summary>Records a failed attempt: schedules the next one after the policy's backoff, or fails the
    /// task when attempts are exhausted or the failure is non-retryable.</summary>
    /// <param name="onlyIfExpired">The rescuer's fence: act only if the lease is still expired.</param>
    public async Task<bool> RecordFailedAttemptAsync(
        WorkItemLease lease, FailureDetails failure, string actor, bool onlyIfExpired, double random, CancellationToken cancellationToken)
    {
        bool retry = lease.WillRetry(failure, workerLost: onlyIfExpired); // the rescuer's call means a lost worker
        string sql = (lease.Kind, lease.IsOrchestrationActivity, retry) switch
        {
            (WorkKinds.Activity, false, true) => "WorkItems/Sql/ScheduleActivityRetry.sql",
            (WorkKinds.Activity, false, false) => "WorkItems/Sql/FailActivityTask.sql",
            (WorkKinds.Activity, true, true) => "WorkItems/Sql/ScheduleOrchestrationActivityRetry.sql",
            (WorkKinds.Activity, true, false) => "WorkItems/Sql/FailOrchestrationActivity.sql",

            // Episodes and timers run no user code that fails; they fail only by losing their worker.
            (_, _, true) => "WorkItems/Sql/ReleaseExpiredLease.sql",
            _ => "WorkItems/Sql/AbandonOrchestration.sql",
        };
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get(sql));
        command.Parameters.Add(clock.Now());
        AddFence(command, lease);
        command.Parameters.Add(Json("failure", JsonSerializer.Serialize(failure, TaskFlowJson.Options)));
        command.Parameters.AddWithValue("actor", actor);
        command.Parameters.AddWithValue("lease_owner", lease.LeaseOwner);
        command.Parameters.AddWithValue("only_if_expired", onlyIfExpired);
        if (retry)
        {
            TimeSpan delay = lease.RetryPolicy.DelayAfter(lease.Attempt, random);
            command.Parameters.AddWithValue("delay", delay);
            command.Parameters.AddWithValue("delay_iso", XmlConvert.ToString(delay));
        }

        return lease.IsOrchestrationActivity
            ? await this.ExecuteFencedAndRingAsync(command, cancellationToken)
            : await ExecuteFencedAsync(command, cancellationToken);
    }

    private static void AddFence(NpgsqlCommand command, WorkItemLease lease)
    {
        command.Parameters.AddWithValue("work_item_id", lease.WorkItemId);
        command.Parameters.AddWithValue("lease_token", lease.LeaseToken);
    }

    private static NpgsqlParameter Json(string name, string json) => new(name, NpgsqlDbType.Jsonb) { Value = json };

    /// <summary>Runs a fenced statement: true when it found its lease (wrote rows, or returned one).</summary>
    private static async Task<bool> ExecuteFencedAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        bool returnedRow = await reader.ReadAsync(cancellationToken);
        await reader.CloseAsync();
        return returnedRow || reader.RecordsAffected > 0;
    }

    /// <summary>A fenced statement whose success wakes an orchestration (its inbox got an event).</summary>
    private async Task<bool> ExecuteFencedAndRingAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        bool done = await ExecuteFencedAsync(command, cancellationToken);
        if (done)
        {
            notifier.Ring();
        }

        return done;
    }

    private async Task<DateTimeOffset?> NextTimeAsync(string sql, NpgsqlParameter? kinds, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get(sql));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("limited_recheck", Limits.LimitedWork.RecheckInterval);
        if (kinds is not null)
        {
            command.Parameters.Add(kinds);
        }

        object? result = await command.Positional().ExecuteScalarAsync(cancellationToken);
        return result is DateTime next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
    }
}
