using Npgsql;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Workers;

/// <summary>A success waiting for its batch's commit has stopped running, so a worker leases more work meanwhile, up to its
/// concurrency again. The commit is held back here by a lock on the first task's row, taken before the worker starts.</summary>
public sealed class CommitOverlapTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task ASuccessWaitingForItsCommit_FreesItsSlot_UpToTheConcurrencyAgain()
    {
        await using TaskFlowServer api = await TaskFlowServer.StartAsync(database.ConnectionString, role: "api");
        string first = await SubmitAsync(api, priority: 9);
        string second = await SubmitAsync(api, priority: 5);
        string third = await SubmitAsync(api, priority: 1);

        await using var blocker = new NpgsqlConnection(database.ConnectionString);
        await blocker.OpenAsync();
        await using NpgsqlTransaction hold = await blocker.BeginTransactionAsync();
        await using (var lockFirst = new NpgsqlCommand("SELECT 1 FROM taskflow.instances WHERE id = @id FOR UPDATE", blocker, hold))
        {
            lockFirst.Parameters.AddWithValue("id", first);
            await lockFirst.ExecuteNonQueryAsync();
        }

        await using WorkerProcess worker = WorkerProcess.Start(database.ConnectionString, "--TaskFlow:Worker:Concurrency=1");
        await Eventually.WaitForAsync(
            () => database.ScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' " +
                "AND query LIKE '%Records the success of many%'"),
            waiting => waiting == 1,
            TimeSpan.FromSeconds(30),
            $"the first task's commit to wait for the lock. Worker: {worker.Output}");

        // The first task's success waits, so its slot is the second task's.
        await Eventually.WaitForAsync(
            () => LeasedAsync(second), leased => leased, TimeSpan.FromSeconds(10), $"the second task's lease. Worker: {worker.Output}");
        Assert.Equal("running", await StatusAsync(first)); // still not committed when the second task took its slot

        // Both successes now wait for the commit: as many as the concurrency, so the third task is not leased, though the
        // worker looks again on its poll (one second here) and on the second task's hand-over.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.False(await LeasedAsync(third), "The third task was leased while two successes of a worker of concurrency 1 waited for their commit.");

        await hold.RollbackAsync();
        foreach (string id in new[] { first, second, third })
        {
            await api.Client.WaitForStatusAsync(id, "succeeded");
        }

        await ReliabilityInvariants.AssertHoldAsync(database);
    }

    private static async Task<string> SubmitAsync(TaskFlowServer api, int priority) =>
        (await api.Client.SubmitAsync($$"""{"type":"echo","input":{{priority}},"priority":{{priority}}}""")).GetProperty("id").GetString()!;

    private Task<bool> LeasedAsync(string id) =>
        database.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM taskflow.work_items WHERE instance_id = @id AND lease_token IS NOT NULL)", ("id", id));

    private Task<string> StatusAsync(string id) =>
        database.ScalarAsync<string>("SELECT status FROM taskflow.tasks WHERE id = @id", ("id", id));
}
