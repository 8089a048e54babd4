using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Testing;
using TaskFlow.WorkItems;

namespace TaskFlow.Core.Tests.Leases;

/// <summary>The heartbeat next to the transactions that lock the same work items.</summary>
public sealed class LeaseRenewalTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2031-01-01T00:00:00Z"));

    /// <summary>The soak's stalls: the heartbeat waited for rows a completion batch had locked, in another order than the
    /// batch's, and PostgreSQL broke the deadlock by aborting the batch, whose tasks then waited for their leases to expire.
    /// The heartbeat now never waits: a busy row keeps its lease (and its expiry) until the next one.</summary>
    [Fact]
    public async Task RenewAsync_WhileAnotherTransactionHoldsARow_DoesNotWaitAndCountsItHeld()
    {
        var clock = new SqlClock(this.time);
        var leases = new WorkItemLeases(database.DataSource, clock, Options.Create(new LeaseOptions { Duration = Lease }));
        await new TaskFlowClient(database.DataSource, clock).ScheduleNewTasksAsync([TestTasks.Submission(), TestTasks.Submission()], "test");
        IReadOnlyList<WorkItemLease> leased = await leases.LeaseNextAsync("worker-a", 2, CancellationToken.None);
        Assert.Equal(2, leased.Count);
        (WorkItemLease busy, WorkItemLease free) = (leased[0], leased[1]);
        this.time.Advance(TimeSpan.FromSeconds(10));

        await using NpgsqlConnection other = await database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction completing = await other.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM taskflow.work_items WHERE id = @id FOR UPDATE", other, completing))
        {
            lockRow.Parameters.AddWithValue("id", busy.WorkItemId);
            await lockRow.ExecuteScalarAsync();
        }

        // Before, this waited until the other transaction ended.
        IReadOnlySet<long> held = await leases.RenewAsync([busy.LeaseToken, free.LeaseToken], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new[] { busy.LeaseToken, free.LeaseToken }.Order(), held.Order());
        WorkItemLease? stillBusy = await leases.RenewAsync(busy, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(busy.LeaseExpiresAt, stillBusy?.LeaseExpiresAt); // held, not extended: the expiry it reports is true
        Assert.Equal(busy.LeaseExpiresAt, await this.ExpiryAsync(busy));
        Assert.Equal(this.time.GetUtcNow() + Lease, await this.ExpiryAsync(free));

        await completing.RollbackAsync();
        WorkItemLease? renewed = await leases.RenewAsync(busy, CancellationToken.None);
        Assert.Equal(this.time.GetUtcNow() + Lease, renewed?.LeaseExpiresAt);
        Assert.Equal(this.time.GetUtcNow() + Lease, await this.ExpiryAsync(busy));
    }

    /// <summary>A lease whose work item is gone (completed, or its task cancelled) is reported lost.</summary>
    [Fact]
    public async Task RenewAsync_AfterTheWorkItemWent_ReportsTheLeaseLost()
    {
        var clock = new SqlClock(this.time);
        var leases = new WorkItemLeases(database.DataSource, clock, Options.Create(new LeaseOptions { Duration = Lease }));
        await new TaskFlowClient(database.DataSource, clock).ScheduleNewTasksAsync([TestTasks.Submission()], "test");
        WorkItemLease lease = Assert.Single(await leases.LeaseNextAsync("worker-b", 1, CancellationToken.None));
        await database.ScalarAsync<long>(
            "WITH gone AS (DELETE FROM taskflow.work_items WHERE id = @id RETURNING 1) SELECT count(*) FROM gone", ("id", lease.WorkItemId));

        Assert.Empty(await leases.RenewAsync([lease.LeaseToken], CancellationToken.None));
        Assert.Null(await leases.RenewAsync(lease, CancellationToken.None));
    }

    private async Task<DateTimeOffset> ExpiryAsync(WorkItemLease lease) =>
        new(await database.ScalarAsync<DateTime>("SELECT lease_expires_at FROM taskflow.work_items WHERE id = @id", ("id", lease.WorkItemId)), TimeSpan.Zero);
}
