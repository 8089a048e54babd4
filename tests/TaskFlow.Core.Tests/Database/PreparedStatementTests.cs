using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>TaskFlow's data source prepares repeated statements, except that queries with optional filters must
/// never run on a generic plan (it cannot use the index the given filter needs).</summary>
public sealed class PreparedStatementTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task RepeatedStatements_ArePrepared_ButTaskListsKeepPlansForTheirOwnFilters()
    {
        // One connection, so every call below meets the same server session and its prepared statements. The
        // session prefers generic plans, as PostgreSQL may decide to after five runs of a prepared statement.
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            MaxPoolSize = 1,
            Options = "-c plan_cache_mode=force_generic_plan",
        }.ToString());
        var client = new TaskFlowClient(dataSource, new SqlClock(TimeProvider.System));
        var tagged = TestTasks.Submission() with { Tags = new Dictionary<string, string> { ["customer"] = "7" } };
        await client.ScheduleNewTasksAsync([.. Enumerable.Range(0, 500).Select(_ => TestTasks.Submission()), tagged, tagged with { }], "test");
        string someTask = (await client.ListTasksAsync(new TaskQuery(Limit: 1)))[0].Id;

        for (int i = 0; i < 20; i++)
        {
            Assert.NotNull(await client.GetTaskAsync(someTask));
            Assert.Equal(50, (await client.ListTasksAsync(new TaskQuery())).Count);
            Assert.Equal(2, (await client.ListTasksAsync(new TaskQuery(Tags: tagged.Tags))).Count);
        }

        await using NpgsqlCommand plans = dataSource.CreateCommand(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM taskflow.tasks%'");
        var statements = new List<(string Sql, long Generic, long Custom)>();
        await using (NpgsqlDataReader reader = await plans.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                statements.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        // The list is prepared, yet planned for each call's own filters.
        (string _, long listGeneric, long listCustom) = Assert.Single(statements, s => s.Sql.Contains("One page of tasks", StringComparison.Ordinal));
        Assert.Equal(0L, listGeneric);
        Assert.True(listCustom >= 30, $"The task list was planned {listCustom} times over 40 calls.");

        // A fixed-shape statement (reading tasks by id) is prepared, and reuses its plan.
        (string _, long readGeneric, long _) = Assert.Single(statements, s => s.Sql.Contains("id = ANY($1)", StringComparison.Ordinal));
        Assert.True(readGeneric > 0, "Reading tasks by id never reused a plan.");
    }
}
