using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.WorkItems;

namespace TaskFlow.Leases;

/// <summary>Takes, renews and hands back leases on work items, each for <see cref="LeaseOptions.Duration"/>: the one
/// place a lease's length is applied, for the server's dispatchers (PostgreSQL and queue) and the Durable provider.</summary>
/// <remarks>A lease is a token and an expiry on the work item's row; every write about the work item afterwards is
/// fenced by the token (<see cref="WorkItemQueue"/>), so a lease that lapsed and was handed on cannot commit.</remarks>
internal sealed class WorkItemLeases(NpgsqlDataSource dataSource, SqlClock clock, IOptions<LeaseOptions> options)
{
    // The two ways to lease differ only in which rows they choose.
    internal static readonly string LeaseNextSql = SqlText.Get("Leases/Sql/ChooseNext.sql") + SqlText.Get("Leases/Sql/LeaseChosen.sql");
    private static readonly string LeaseByIdsSql = SqlText.Get("Leases/Sql/ChooseByIds.sql") + SqlText.Get("Leases/Sql/LeaseChosen.sql");
    private static readonly ConcurrentDictionary<string, string> LeaseOfKindsSql = new(StringComparer.Ordinal);

    /// <summary>The lease of <paramref name="kinds"/> only (any kind when null): <see cref="LeaseNextSql"/> with the kinds
    /// written into its text, one text per set of kinds, so that each keeps a generic plan that knows them.</summary>
    /// <remarks>As a parameter, the kinds are unknown to a generic plan, which then cannot use the episodes' own index
    /// (<c>work_items_ready_episodes</c>, whose predicate names them) and would walk every ready activity ahead of the
    /// episodes it looks for. The sets are few and fixed (the Durable provider's loops, the server's worker).</remarks>
    internal static string LeaseNextSqlFor(string[]? kinds) => kinds is null ? LeaseNextSql : LeaseOfKindsSql.GetOrAdd(
        string.Join(',', kinds.Select(kind => WorkKinds.All.Contains(kind) ? kind : throw new ArgumentException($"Unknown kind of work '{kind}'.", nameof(kinds)))),
        list => LeaseNextSql.Replace("@kinds::text[]", $"'{{{list}}}'::text[]", StringComparison.Ordinal));

    /// <summary>The planner settings every lease runs under, for its implicit transaction only: one generic plan per
    /// connection for each text (<see cref="LeaseNextSqlFor"/>).</summary>
    /// <remarks>The lease must walk the ready index in its order, stop after the batch, and find the chosen rows by id,
    /// and the queue's statistics mislead the planner about that. A queue that grew since it was last analysed (every
    /// burst) looks a few rows long, so it preferred a bitmap scan that sorts every ready row (10-40 ms per lease with a
    /// few thousand ready, against 1-3 ms: EXPLAIN during ./bench/run.sh orchestrations). One analysed while nearly
    /// empty but thousands of pages long (autovacuum just after a backlog drained) looks that way whatever it then
    /// holds, so it chose a sequential scan and sort of the whole table and a hash join over it, per lease: 270 ms with
    /// 40,000 ready against 15-25 ms by the index, which stalled the soak's worker for a minute at a time, until the next
    /// analyse (docs/benchmarks.md, "The soak's stalls"). No plan but the index's is right here, so the others are off
    /// (<see cref="KeyedPlans"/>), and LeaseChosen.sql bounds the work items and instances it reads by the chosen ids.
    /// (Not <c>enable_sort</c>: the final sort by id is a few hundred rows, and turning it off made the same plan run
    /// 50 times slower.)
    /// <para>A generic plan once joined the instances by a full scan: made while the table was small, and kept as it grew
    /// (20-50 ms a lease in <c>./bench/run.sh steady-1000</c>; docs/benchmarks.md, "The lease's generic plan"). The lease
    /// was then planned per call, which in the soak cost more than running it (0.53 against 0.41 ms a call). With every
    /// table bounded by its ids, the generic plan is the same at any size (<c>LeasePlanTests</c>). The server's worker that
    /// leaves entities' batches to a host that has them was planned at every call before (in the soak, 300 leases a second
    /// of a row or two each).</para>
    /// <para>The leases that filter (the Durable provider's episode and activity loops, queue dispatch) were planned per
    /// call too, so that the given kinds could pick the episodes' index: 0.33-0.38 ms of planning against 0.03 ms of
    /// running in the provider's one-at-a-time sequences, at 6-8 leases a sequence (pg_stat_statements; docs/benchmarks.md,
    /// "The provider's leases and results on kept plans"). With the kinds in the text the generic plan uses that index,
    /// and the flags stay parameters whose filters a generic plan keeps cheaply (a one-time filter for
    /// <c>@limited_only</c>, a per-row check whose lookup by id runs only when <c>@orchestration_work_only</c> is set).</para></remarks>
    private static string PlannerSettings => KeyedPlans.Generic;

    private TimeSpan Duration => options.Value.Duration;

    /// <summary>Leases the next ready work items: those limits govern, within their limits, then the rest, highest
    /// priority first, then oldest.</summary>
    /// <param name="kinds">Only work items of these kinds (<see cref="WorkKinds"/>); null for any.</param>
    /// <param name="orchestrationWorkOnly">Only orchestrations' work (not single-activity tasks).</param>
    /// <param name="limitedOnly">Only work that limits govern (queue dispatch, whose doorbells ring the rest).</param>
    public async Task<IReadOnlyList<WorkItemLease>> LeaseNextAsync(
        string workerId, int batchSize, CancellationToken cancellationToken, string[]? kinds = null, bool orchestrationWorkOnly = false,
        bool limitedOnly = false)
    {
        await using NpgsqlBatch batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PlannerSettings));
        var lease = new NpgsqlBatchCommand(LeaseNextSqlFor(kinds));
        batch.BatchCommands.Add(lease);
        lease.Parameters.Add(clock.Now());
        lease.Parameters.AddWithValue("worker_id", workerId);
        lease.Parameters.AddWithValue("batch_size", batchSize);
        lease.Parameters.AddWithValue("lease_duration", this.Duration);
        if (kinds is null)
        {
            lease.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = DBNull.Value });
        }

        lease.Parameters.AddWithValue("orchestration_work_only", orchestrationWorkOnly);
        lease.Parameters.AddWithValue("limited_only", limitedOnly);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    /// <summary>Leases those of the given work items that are ready now (queue dispatch: the ids come from
    /// doorbell messages); the rest are left as they are.</summary>
    public async Task<IReadOnlyList<WorkItemLease>> LeaseByIdsAsync(string workerId, IReadOnlyCollection<long> workItemIds, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(LeaseByIdsSql);
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("worker_id", workerId);
        command.Parameters.AddWithValue("ids", workItemIds.ToArray());
        command.Parameters.AddWithValue("lease_duration", this.Duration);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    /// <summary>Renews the given leases; returns the tokens still held (a missing one was lost: expired and handed on,
    /// or its task cancelled).</summary>
    public async Task<IReadOnlySet<long>> RenewAsync(IReadOnlyCollection<WorkItemLease> leases, CancellationToken cancellationToken) =>
        (await this.RenewEachAsync(leases, cancellationToken)).Keys.ToHashSet();

    /// <summary>Renews one lease: the lease with its new expiry, or as it was when another transaction held its row just
    /// then (see RenewLeases.sql), or null when it was lost.</summary>
    public async Task<WorkItemLease?> RenewAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        IReadOnlyDictionary<long, bool> held = await this.RenewEachAsync([lease], cancellationToken);
        return !held.TryGetValue(lease.LeaseToken, out bool renewed) ? null
            : renewed ? lease with { LeaseExpiresAt = clock.Time.GetUtcNow() + this.Duration }
            : lease;
    }

    /// <summary>The tokens still held, each with whether its lease was extended (false: its row was busy, so it keeps
    /// its expiry until the next renewal).</summary>
    private async Task<IReadOnlyDictionary<long, bool>> RenewEachAsync(IReadOnlyCollection<WorkItemLease> leases, CancellationToken cancellationToken)
    {
        var held = new Dictionary<long, bool>();
        if (leases.Count == 0)
        {
            return held;
        }

        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Leases/Sql/RenewLeases.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("lease_duration", this.Duration);
        command.Parameters.AddWithValue("work_item_ids", leases.Select(lease => lease.WorkItemId).ToArray());
        command.Parameters.AddWithValue("lease_tokens", leases.Select(lease => lease.LeaseToken).ToArray());
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            held[reader.GetInt64(0)] = reader.GetBoolean(1);
        }

        return held;
    }

    /// <summary>Hands a lease back without counting its attempt (graceful shutdown, or a buffered lease not run).</summary>
    public async Task<bool> ReleaseAsync(WorkItemLease lease, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Leases/Sql/ReleaseLease.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("work_item_id", lease.WorkItemId);
        command.Parameters.AddWithValue("lease_token", lease.LeaseToken);
        return await command.Positional().ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>Leases whose holder stopped renewing them, for the <see cref="LeaseRescuer"/>.</summary>
    public async Task<IReadOnlyList<WorkItemLease>> FindExpiredAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Leases/Sql/FindExpiredLeases.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("batch_size", batchSize);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await ReadAsync(reader, cancellationToken);
    }

    private static async Task<IReadOnlyList<WorkItemLease>> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var leases = new List<WorkItemLease>();
        while (await reader.ReadAsync(cancellationToken))
        {
            leases.Add(WorkItemLease.Read(reader, first: 0));
        }

        return leases;
    }
}
