using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Testing;

namespace TaskFlow.Core.Tests.WorkItems;

/// <summary>An idle worker's question "when is my next work" (NextVisibleAt.sql), asked at every idle turn of every
/// worker: its answer across priorities and kinds, and its cost behind many delayed items.</summary>
public sealed partial class NextVisibleAtTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private static readonly DateTimeOffset Base = DateTimeOffset.Parse("2040-01-01T00:00:00Z");

    // Each test starts from an empty queue and no limits.
    public async Task InitializeAsync() => await database.ScalarAsync<long>(
        "WITH w AS (DELETE FROM taskflow.work_items RETURNING 1), l AS (DELETE FROM taskflow.limits RETURNING 1) " +
        "SELECT (SELECT count(*) FROM w) + (SELECT count(*) FROM l)");

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The earliest waiting item, whatever its priority (the ready index is in priority order first), of the
    /// kinds asked for; a leased item is not waiting.</summary>
    [Fact]
    public async Task IsTheEarliestWaitingItem_AcrossPriorities_OfTheKindsAskedFor()
    {
        await database.ExecuteAsync(Insert("activity", priority: 9, from: 1, to: 3, "interval '10 minutes'"));
        await database.ExecuteAsync(Insert("activity", priority: 5, from: 4, to: 6, "interval '3 minutes'"));
        await database.ExecuteAsync(Insert("orchestration", priority: 1, from: 7, to: 7, "interval '1 minute'"));
        await database.ExecuteAsync(Insert("entity", priority: 7, from: 8, to: 8, "interval '30 seconds'"));
        await database.ExecuteAsync(Insert("activity", priority: 3, from: 9, to: 9, "interval '5 seconds'"));
        Assert.Equal(1L, await database.ScalarAsync<long>(
            "WITH leased AS (UPDATE taskflow.work_items SET lease_token = 1, lease_owner = 'worker-b', leased_at = @at, lease_expires_at = @at " +
            "WHERE instance_id = 'task-9' RETURNING 1) SELECT count(*) FROM leased",
            ("at", Base)));

        var queue = new QueueOnFakeClock(database.DataSource, Base, TimeSpan.FromSeconds(30)).Queue;
        Assert.Equal(Base + TimeSpan.FromSeconds(30), await queue.NextVisibleAtAsync(CancellationToken.None));
        Assert.Equal(Base + TimeSpan.FromMinutes(1), await queue.NextVisibleAtAsync(CancellationToken.None, ["activity", "orchestration", "timer"]));
        Assert.Equal(Base + TimeSpan.FromMinutes(3), await queue.NextVisibleAtAsync(CancellationToken.None, ["activity"]));
        Assert.Null(await queue.NextVisibleAtAsync(CancellationToken.None, ["timer"]));
    }

    /// <summary>With min(visible_at) over the ready index, which leads with the priority, the question read every waiting
    /// item: 16-25 ms behind 150,000 waiting, at every idle turn of every worker (and 0.2 ms a call in the soak, 229 calls a
    /// second). Now each priority present costs a probe or two, however many items wait behind it.</summary>
    [Fact]
    public async Task BehindManyDelayedItems_ReadsAFewIndexEntriesForEachPriority()
    {
        await database.ExecuteAsync(Insert("activity", priority: null, from: 1, to: 30_000, "n * interval '1 second'"));
        await database.ExecuteAsync("ANALYZE taskflow.work_items");

        foreach (string[]? kinds in new[] { null, new[] { "activity", "orchestration", "timer" } })
        {
            string plan = await this.ExplainAnalyzeAsync(kinds);
            int mostRows = RowsRead().Matches(plan).Max(match => int.Parse(match.Groups[1].Value));
            Assert.True(mostRows <= 11, $"A step of the plan read {mostRows} rows (10 priorities, and the end of the walk):\n{plan}");
        }
    }

    /// <summary>Work items of <paramref name="kind"/>, one per number, visible <paramref name="after"/> (an expression of
    /// n) past <see cref="Base"/>, at <paramref name="priority"/> (or n's last digit when null).</summary>
    private static string Insert(string kind, int? priority, int from, int to, string after) => $$"""
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
        SELECT 'task-' || n, 1, '{{kind}}', 1, 'echo', {{priority?.ToString() ?? "n % 10"}}, '{"maxAttempts":3}', 3,
               '{{Base:O}}'::timestamptz + {{after}}, '{{Base:O}}'::timestamptz
        FROM generate_series({{from}}, {{to}}) AS n
        """;

    private async Task<string> ExplainAnalyzeAsync(string[]? kinds)
    {
        await using NpgsqlBatch batch = database.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(OptionalFilterQuery.TransactionSettings(("plan_cache_mode", "auto")))); // as it runs: no settings
        var explain = new NpgsqlBatchCommand("EXPLAIN (ANALYZE) " + SqlText.Get("WorkItems/Sql/NextVisibleAt.sql"));
        batch.BatchCommands.Add(explain);
        explain.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = Base });
        explain.Parameters.AddWithValue("limited_recheck", TimeSpan.FromSeconds(1));
        explain.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)kinds ?? DBNull.Value });
        return await QueryPlans.ExplainAsync(batch);
    }

    [GeneratedRegex(@"actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+) loops")]
    private static partial Regex RowsRead();
}
