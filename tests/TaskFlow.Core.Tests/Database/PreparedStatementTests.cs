using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TaskFlow.Core.Tests.Orchestrations;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.Database;

/// <summary>TaskFlow's data source prepares repeated statements, except that queries with optional filters must
/// never run on a generic plan (it cannot use the index the given filter needs); a statement PostgreSQL would
/// otherwise plan afresh at every call is kept on its generic plan; a connection goes back to the pool without
/// Npgsql's reset, which would run six statements at every checkout; and PostgreSQL's JIT compiler is off.</summary>
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

    [Fact]
    public async Task AnEpisodesInboxDelete_ReusesItsGenericPlan()
    {
        // One connection, so every episode meets the same server session; the session plans as PostgreSQL does by default.
        string oneConnection = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }.ToString();
        await using ServiceProvider worker = Episodes.Worker(database, tasks => tasks.AddOrchestrator<JoinsEvents>(JoinsEvents.Name), oneConnection);
        TaskFlowClient client = worker.GetRequiredService<TaskFlowClient>();
        (TaskRecord task, _) = await client.ScheduleNewTaskAsync(TestTasks.Submission(type: JoinsEvents.Name, inputJson: null), "test");
        Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        for (int i = 0; i < JoinsEvents.Count; i++)
        {
            await client.RaiseEventAsync(task.Id, "next", "1", "test");
            Assert.True(await Episodes.RunAsync(database, worker, task.Id));
        }

        Assert.Equal(JoinsEvents.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), (await client.GetTaskAsync(task.Id))!.OutputJson);
        await using NpgsqlCommand plans = worker.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%DELETE FROM taskflow.inbox%'");
        await using NpgsqlDataReader reader = await plans.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "The inbox delete was never prepared.");
        Assert.Equal(0L, reader.GetInt64(1));
        Assert.True(reader.GetInt64(0) > 0, "The inbox delete never ran on its generic plan.");
    }

    [Fact]
    public async Task AConnection_GoesBackToThePoolWithoutAReset_UnlessTheConnectionStringAsksForOne()
    {
        Assert.Equal("kept", await SessionSettingAfterCheckoutAsync(new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 }));
        Assert.Equal(string.Empty, await SessionSettingAfterCheckoutAsync(new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            MaxPoolSize = 1,
            NoResetOnClose = false,
        }));
    }

    [Fact]
    public async Task PostgresJit_IsOff_UnlessTheConnectionStringSetsIt()
    {
        await using (NpgsqlCommand serverDefault = database.DataSource.CreateCommand("SHOW jit"))
        {
            Assert.Equal("on", await serverDefault.ExecuteScalarAsync()); // the server's own default, which TaskFlow overrides
        }

        Assert.Equal("off", await ShowJitAsync(database.ConnectionString));
        Assert.Equal("on", await ShowJitAsync(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c jit=on" }.ToString()));
    }

    private static async Task<string> ShowJitAsync(string connectionString)
    {
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(connectionString);
        await using NpgsqlCommand show = dataSource.CreateCommand("SHOW jit");
        return (string)(await show.ExecuteScalarAsync())!;
    }

    /// <summary>A session setting made on the pool's one connection, as read at the next checkout (RESET ALL clears it).</summary>
    private static async Task<string> SessionSettingAfterCheckoutAsync(NpgsqlConnectionStringBuilder connectionString)
    {
        await using NpgsqlDataSource dataSource = TaskFlowDataSource.Create(connectionString.ToString());
        await using (NpgsqlCommand set = dataSource.CreateCommand("SELECT set_config('taskflow.probe', 'kept', false)"))
        {
            await set.ExecuteScalarAsync();
        }

        await using NpgsqlCommand read = dataSource.CreateCommand("SELECT coalesce(current_setting('taskflow.probe', true), '')");
        return (string)(await read.ExecuteScalarAsync())!;
    }

    /// <summary>Sums <see cref="Count"/> "next" events, an episode each.</summary>
    private sealed class JoinsEvents : TaskOrchestrator<object?, int>
    {
        public const string Name = "joins-events";
        public const int Count = 12;

        public override async Task<int> RunAsync(TaskOrchestrationContext context, object? input)
        {
            int sum = 0;
            for (int i = 0; i < Count; i++)
            {
                sum += await context.WaitForExternalEvent<int>("next");
            }

            return sum;
        }
    }
}
