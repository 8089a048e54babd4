using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Instances;

/// <summary>Reading tasks by id (a task's page, an orchestration's submit reading its task back) keeps one generic plan per
/// connection: planned per call, it cost more to plan than to run. A generic plan is kept as the tables grow, so it is made
/// here while they hold a few tasks and read after 20,000 more arrived: it must read the instances by the ids given and
/// the work items by their instances, never a table whole.</summary>
public sealed class GetTaskPlanTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task GetTask_KeepsOnePlan_ThatReadsOnlyTheTasksAsked_AsTheTablesGrow()
    {
        await using NpgsqlDataSource oneConnection = TaskFlowDataSource.Create(
            new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString());
        var client = new TaskFlowClient(oneConnection, new SqlClock(TimeProvider.System));
        for (int i = 0; i < 8; i++)
        {
            (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(), "test");
            Assert.Equal(task.Id, (await client.GetTaskAsync(task.Id))?.Id);
        }

        await client.ScheduleNewTasksAsync([.. Enumerable.Range(0, 20_000).Select(_ => TestTasks.Submission())], "test");
        string[] ids = [.. (await database.ScalarAsync<string[]>("SELECT array_agg(id) FROM (SELECT id FROM taskflow.instances ORDER BY created_at DESC LIMIT 3) AS newest"))];
        Assert.Equal("pending", (await client.GetTaskAsync(ids[0]))?.Status);

        (string plan, long generic, long custom) = await QueryPlans.ExplainPreparedAsync(
            oneConnection, "%FROM taskflow.tasks%", SqlText.Get("Instances/Sql/GetTasks.sql"), KeyedPlans.GenericLookups,
            new Dictionary<string, string> { ["ids"] = $"'{{{string.Join(',', ids)}}}'" });

        Assert.True(generic > 0, "The read never ran on its generic plan.");
        Assert.Equal(0L, custom);
        Assert.DoesNotContain("Seq Scan", plan);
        Assert.Contains("rows=3 ", plan.Split('\n').Single(line => line.Contains("Index Scan using instances_pkey on instances"))); // those, no more
        Assert.Contains("work_items_one_per_task", plan);
    }
}
