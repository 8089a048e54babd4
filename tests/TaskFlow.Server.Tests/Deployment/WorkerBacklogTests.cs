using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Limits;
using TaskFlow.Retries;
using TaskFlow.Schedules;
using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Deployment;

/// <summary>The queries the chart gives KEDA's PostgreSQL scaler, run on a real database holding a backlog of known shape:
/// they count what more workers could run now, and nothing that more workers would not help.</summary>
public sealed class WorkerBacklogTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task TheScalersQueries_CountReadyAndRunningWork_DueSchedules_AndTheOldestWait_ButNotWorkALimitHolds()
    {
        Dictionary<string, string> queries = (await HelmChart.RenderAsync([HelmChart.ProductionValues]))
            .Single("ScaledObject", "-worker").Items("spec", "triggers")
            .ToDictionary(t => t.Text("name"), t => t.Text("metadata", "query"));
        var clock = new SqlClock(TimeProvider.System);
        var client = new TaskFlowClient(database.DataSource, clock);
        var leases = new WorkItemLeases(database.DataSource, clock, Microsoft.Extensions.Options.Options.Create(new LeaseOptions()));

        // Nothing queued: nothing to scale for (KEDA may scale to zero).
        Assert.Equal(0L, await QueryAsync(queries["backlog"]));
        Assert.Equal(0L, await QueryAsync(queries["oldest-ready"]));

        // 2 running.
        await SubmitAsync(client, "echo", 2);
        Assert.Equal(2, (await leases.LeaseNextAsync("worker-a", 2, CancellationToken.None)).Count);

        // A limit of 2 at once on "sleep": 4 queued, 1 running, so 1 more could start now and 2 wait for the limit.
        await new LimitStore(database.DataSource, clock).SetAsync(new Limit(LimitScopes.Activity, "sleep", 2, null), "ops", CancellationToken.None);
        await SubmitAsync(client, "sleep", 4);
        Assert.Single(await leases.LeaseNextAsync("worker-b", 1, CancellationToken.None, limitedOnly: true));

        // 5 ready; 1 delayed for an hour (not ready).
        IReadOnlyList<string> ready = await SubmitAsync(client, "echo", 5);
        await client.ScheduleNewTaskAsync(TestTasks.Submission(delay: TimeSpan.FromHours(1)), "test");

        // A schedule whose slot is due (its firer runs in workers), one paused, one not due.
        var schedules = new ScheduleClient(database.DataSource, clock, client);
        foreach (string name in new[] { "due", "paused", "later" })
        {
            await schedules.CreateScheduleAsync(
                new ScheduleDefinition(name, "0 3 * * *", "UTC", new ScheduledTaskTemplate("echo", null, 5, new RetryPolicy(), null, new Dictionary<string, string>()), Paused: name == "paused"),
                "test");
        }

        await database.ScalarAsync<int>(
            "WITH u AS (UPDATE taskflow.schedules SET next_fire_at = now() - interval '1 second' WHERE name IN ('due', 'paused') RETURNING 1) SELECT count(*)::int FROM u");

        // ready 5 + 1 the limit's free slot takes, running 3, 1 schedule due; one of the ready has waited 42.5 s.
        Assert.Equal(5L + 1 + 3 + 1, await QueryAsync(queries["backlog"]));
        await database.ScalarAsync<int>(
            "WITH u AS (UPDATE taskflow.work_items SET visible_at = now() - interval '42.5 seconds' WHERE instance_id = @id RETURNING 1) SELECT count(*)::int FROM u",
            ("id", ready[0]));
        long oldest = await QueryAsync(queries["oldest-ready"]);
        Assert.InRange(oldest, 43L, 45L);
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT held_by_limits FROM taskflow.worker_backlog"));

        // The limit raised to 4: its waiting work could all start, so it all counts.
        await new LimitStore(database.DataSource, clock).SetAsync(new Limit(LimitScopes.Activity, "sleep", 4, null), "ops", CancellationToken.None);
        Assert.Equal(5L + 3 + 3 + 1, await QueryAsync(queries["backlog"]));
    }

    /// <summary>Runs a scaler's query as KEDA does: one value from the first column of the first row.</summary>
    private async Task<long> QueryAsync(string sql)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task<IReadOnlyList<string>> SubmitAsync(TaskFlowClient client, string type, int count)
    {
        var ids = new List<string>();
        for (int i = 0; i < count; i++)
        {
            ids.Add((await client.ScheduleNewTaskAsync(TestTasks.Submission(type, inputJson: $"{{\"ms\":{i}}}"), "test")).Task.Id);
        }

        return ids;
    }
}
