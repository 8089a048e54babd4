using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Bench;

/// <summary>A fresh, migrated database per scenario, and the measurements taken from it.</summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private BenchDatabase(string connectionString)
    {
        this.ConnectionString = connectionString;
        this.DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<BenchDatabase> CreateAsync(string serverConnectionString, string scenario)
    {
        string name = $"bench_{scenario.Replace('-', '_')}";
        await using (NpgsqlDataSource server = NpgsqlDataSource.Create(serverConnectionString))
        {
            await using NpgsqlCommand drop = server.CreateCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
            await using NpgsqlCommand create = server.CreateCommand($"CREATE DATABASE {name}");
            await create.ExecuteNonQueryAsync();
        }

        var database = new BenchDatabase(new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ToString());
        await new Migrator(database.DataSource, NullLogger<Migrator>.Instance).MigrateAsync(CancellationToken.None);
        return database;
    }

    /// <summary>Fills the tables with finished tasks, as a long-running system would have (then ANALYZE).</summary>
    public async Task SeedFinishedTasksAsync(int count)
    {
        await using NpgsqlCommand seed = this.DataSource.CreateCommand($$"""
            WITH seeded AS (
                INSERT INTO taskflow.instances (id, name, kind, status, priority, input, output, retry_policy, last_sequence,
                                                attempt, created_by, created_at, run_at, started_at, completed_at, updated_at)
                SELECT gen_random_uuid(), 'echo', 'activity', 'succeeded', 5, to_jsonb(n), to_jsonb(n), '{"maxAttempts":3}', 5, 1,
                       'seed', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
                FROM generate_series(1, {{count}}) AS n
                RETURNING id, created_at
            )
            INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor)
            SELECT seeded.id, e.sequence, 1, e.event_type, e.task_id, e.attempt, '{}', seeded.created_at, 'seed'
            FROM seeded CROSS JOIN (VALUES (1, 'Submitted', NULL::int, NULL::int), (2, 'ExecutionStarted', NULL, NULL),
                (3, 'TaskScheduled', 1, NULL), (4, 'TaskCompleted', 1, 1), (5, 'ExecutionCompleted', NULL, NULL)) AS e (sequence, event_type, task_id, attempt)
            """);
        seed.CommandTimeout = 0;
        await seed.ExecuteNonQueryAsync();
        await using NpgsqlCommand analyze = this.DataSource.CreateCommand("ANALYZE");
        analyze.CommandTimeout = 0;
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using NpgsqlCommand command = this.DataSource.CreateCommand(sql);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Bytes of WAL written so far on the server: the durable cost of what happened.</summary>
    public Task<decimal> WalBytesAsync() => this.ScalarAsync<decimal>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')");

    /// <summary>The bytes the TaskFlow tables take (indexes and TOAST included), once the emptied queue's pages are
    /// returned (a VACUUM of work_items, told to truncate, which the table's own setting does not: the rows a drain deleted
    /// otherwise count as the task's storage).</summary>
    public async Task<long> TableBytesAsync()
    {
        await this.ScalarAsync<object>("VACUUM (TRUNCATE) taskflow.work_items");
        return await this.ScalarAsync<long>(
            "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace " +
            "WHERE n.nspname = 'taskflow' AND c.relkind = 'r'");
    }

    /// <summary>Rows inserted, updated and deleted in the TaskFlow tables so far (statistics flushed first).</summary>
    public async Task<long> RowsWrittenAsync()
    {
        await this.ScalarAsync<object>("SELECT pg_stat_force_next_flush()");
        await Task.Delay(50);
        return await this.ScalarAsync<long>(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables WHERE schemaname = 'taskflow'");
    }

    /// <summary>Milliseconds from submit to start and to completion of every finished task matching <paramref name="where"/>.</summary>
    public async Task<(List<double> ToStart, List<double> ToComplete)> LatenciesAsync(string where)
    {
        var toStart = new List<double>();
        var toComplete = new List<double>();
        await using NpgsqlCommand command = this.DataSource.CreateCommand($"""
            SELECT extract(epoch FROM started_at - created_at) * 1000, extract(epoch FROM completed_at - created_at) * 1000
            FROM taskflow.instances WHERE completed_at IS NOT NULL AND {where}
            """);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            toStart.Add((double)reader.GetDecimal(0));
            toComplete.Add((double)reader.GetDecimal(1));
        }

        return (toStart, toComplete);
    }

    public async ValueTask DisposeAsync() => await this.DataSource.DisposeAsync();
}
