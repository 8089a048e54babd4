using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Retries;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Leases;

/// <summary>The heartbeat next to the transactions that lock the same work items.</summary>
public sealed class LeaseRenewalTests : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly PostgresDatabase database;
    private readonly QueueOnFakeClock work;

    public LeaseRenewalTests(PostgresDatabase database)
    {
        this.database = database;
        this.work = new QueueOnFakeClock(database.DataSource, DateTimeOffset.Parse("2031-01-01T00:00:00Z"), Lease);
    }

    /// <summary>The soak's stalls: the heartbeat waited for rows a completion batch had locked, in another order than the
    /// batch's, and PostgreSQL broke the deadlock by aborting the batch, whose tasks then waited for their leases to expire.
    /// The heartbeat now never waits: a busy row keeps its lease (and its expiry) until the next one.</summary>
    [Fact]
    public async Task RenewAsync_WhileAnotherTransactionHoldsARow_DoesNotWaitAndCountsItHeld()
    {
        await this.work.Client.ScheduleNewTasksAsync([TestTasks.Submission(), TestTasks.Submission()], "test");
        IReadOnlyList<WorkItemLease> leased = await this.work.Leases.LeaseNextAsync("worker-a", 2, CancellationToken.None);
        Assert.Equal(2, leased.Count);
        (WorkItemLease busy, WorkItemLease free) = (leased[0], leased[1]);
        this.work.Time.Advance(TimeSpan.FromSeconds(10));

        await using NpgsqlConnection other = await this.database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction completing = await other.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM taskflow.work_items WHERE id = @id FOR UPDATE", other, completing))
        {
            lockRow.Parameters.AddWithValue("id", busy.WorkItemId);
            await lockRow.ExecuteScalarAsync();
        }

        // Before, this waited until the other transaction ended.
        IReadOnlySet<long> held = await this.work.Leases.RenewAsync([busy, free], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { busy.LeaseToken, free.LeaseToken }.Order(), held.Order());
        WorkItemLease? stillBusy = await this.work.Leases.RenewAsync(busy, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(busy.LeaseExpiresAt, stillBusy?.LeaseExpiresAt); // held, not extended: the expiry it reports is true
        Assert.Equal(busy.LeaseExpiresAt, await this.ExpiryAsync(busy));
        Assert.Equal(this.work.Time.GetUtcNow() + Lease, await this.ExpiryAsync(free));

        await completing.RollbackAsync();
        WorkItemLease? renewed = await this.work.Leases.RenewAsync(busy, CancellationToken.None);
        Assert.Equal(this.work.Time.GetUtcNow() + Lease, renewed?.LeaseExpiresAt);
        Assert.Equal(this.work.Time.GetUtcNow() + Lease, await this.ExpiryAsync(busy));
    }

    /// <summary>A lease whose work item is gone (completed, or its task cancelled) is reported lost.</summary>
    [Fact]
    public async Task RenewAsync_AfterTheWorkItemWent_ReportsTheLeaseLost()
    {
        await this.work.Client.ScheduleNewTasksAsync([TestTasks.Submission()], "test");
        WorkItemLease lease = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-b", 1, CancellationToken.None));
        await this.database.ScalarAsync<long>(
            "WITH gone AS (DELETE FROM taskflow.work_items WHERE id = @id RETURNING 1) SELECT count(*) FROM gone", ("id", lease.WorkItemId));

        Assert.Empty(await this.work.Leases.RenewAsync([lease], CancellationToken.None));
        Assert.Null(await this.work.Leases.RenewAsync(lease, CancellationToken.None));
    }

    /// <summary>The heartbeat finds a lease's row by its id (migration 0027 dropped the index of tokens). A row that expired
    /// and was leased again is the same row with another token: the first holder's heartbeat reports its lease lost, and
    /// leaves the new holder's expiry alone; the new holder's heartbeat extends it.</summary>
    [Fact]
    public async Task RenewAsync_OfALeaseTakenAgainAfterItExpired_IsLostToItsFirstHolderOnly()
    {
        var retry = new RetryPolicy { MaxAttempts = 3, InitialInterval = TimeSpan.FromSeconds(5), Jitter = 0 };
        await this.work.Client.ScheduleNewTasksAsync([TestTasks.Submission(retry: retry)], "test");
        WorkItemLease first = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-c", 1, CancellationToken.None));
        this.work.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        WorkItemLease expired = Assert.Single(await this.work.Leases.FindExpiredAsync(10, CancellationToken.None), lease => lease.WorkItemId == first.WorkItemId);
        var lost = new FailureDetails("TaskFlow.LeaseExpired", "worker-c stopped renewing");
        Assert.True(await this.work.Queue.RecordFailedAttemptAsync(expired, lost, "rescuer", onlyIfExpired: true, random: 0, CancellationToken.None));
        this.work.Time.Advance(retry.InitialInterval);
        WorkItemLease second = Assert.Single(await this.work.Leases.LeaseNextAsync("worker-d", 1, CancellationToken.None));
        Assert.Equal(first.WorkItemId, second.WorkItemId);
        this.work.Time.Advance(TimeSpan.FromSeconds(10));

        Assert.Empty(await this.work.Leases.RenewAsync([first], CancellationToken.None));
        Assert.Equal(second.LeaseExpiresAt, await this.ExpiryAsync(second));
        Assert.Equal([second.LeaseToken], await this.work.Leases.RenewAsync([first, second], CancellationToken.None));
        Assert.Equal(this.work.Time.GetUtcNow() + Lease, await this.ExpiryAsync(second));
    }

    /// <summary>The heartbeat finds its rows through the indexes however large the queue: written as a join, it had
    /// PostgreSQL read the whole work_items table for 512 leases (and vacuum no longer truncates it, migration 0019).</summary>
    [Fact]
    public async Task Renew_OfManyLeasesInALargeQueue_ReadsNoTableWhole()
    {
        const long FirstToken = 900_000_000;
        await this.database.ScalarAsync<long>($$"""
            WITH added AS (
                INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts,
                                                 visible_at, created_at, attempt, lease_token, lease_owner, leased_at, lease_expires_at)
                SELECT 'renew-plan-' || n, 1, 'activity', 1, 'echo', 0, '{"maxAttempts":3}', 3, now(), now(), 1, {{FirstToken}} + n,
                       'worker-z', now(), now() + interval '30 s'
                FROM generate_series(1, 20000) AS n
                RETURNING 1)
            SELECT count(*) FROM added
            """);
        await using (NpgsqlCommand analyze = this.database.DataSource.CreateCommand("ANALYZE taskflow.work_items"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        await using NpgsqlCommand explain = this.database.DataSource.CreateCommand("EXPLAIN " + SqlText.Get("Leases/Sql/RenewLeases.sql"));
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = DBNull.Value });
        explain.Parameters.AddWithValue("lease_duration", Lease);
        explain.Parameters.AddWithValue("work_item_ids", await this.database.ScalarAsync<long[]>(
            "SELECT array_agg(id ORDER BY id) FROM taskflow.work_items WHERE lease_owner = 'worker-z' AND lease_token % 30 = 0 AND lease_token <= @last",
            ("last", FirstToken + (512 * 30))));
        explain.Parameters.AddWithValue("lease_tokens", Enumerable.Range(1, 512).Select(n => FirstToken + (n * 30)).ToArray());
        var plan = new List<string>();
        await using (NpgsqlDataReader reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await this.database.ScalarAsync<long>("WITH gone AS (DELETE FROM taskflow.work_items WHERE lease_owner = 'worker-z' RETURNING 1) SELECT count(*) FROM gone");
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
    }

    private async Task<DateTimeOffset> ExpiryAsync(WorkItemLease lease) =>
        new(await this.database.ScalarAsync<DateTime>("SELECT lease_expires_at FROM taskflow.work_items WHERE id = @id", ("id", lease.WorkItemId)), TimeSpan.Zero);
}
