using System.Text.Json;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Json;

namespace TaskFlow.Limits;

/// <summary>Reads and changes the limits in <c>taskflow.limits</c>, each change recorded in <c>taskflow.limit_changes</c>.
/// Leases enforce them (taskflow.choose_limited, migration 0016); nothing here is cached, so a change holds at the next
/// lease in every process.</summary>
public sealed class LimitStore
{
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;

    internal LimitStore(NpgsqlDataSource dataSource, SqlClock clock)
    {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /// <summary>Every limit, with its keys' use now.</summary>
    public async Task<IReadOnlyList<LimitRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var usage = new List<(string Scope, string Name, LimitKeyUsage Key)>();
        await using (NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Limits/Sql/ListLimitUsage.sql")))
        await using (NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                usage.Add((reader.GetString(0), reader.GetString(1), new LimitKeyUsage(
                    reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetDouble(5))));
            }
        }

        var limits = new List<LimitRecord>();
        await using (NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Limits/Sql/ListLimits.sql")))
        await using (NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Limit limit = new(
                    reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : new LimitRate(reader.GetDouble(3), reader.GetInt32(4)));
                limits.Add(new LimitRecord(
                    limit, reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6),
                    usage.Where(u => u.Scope == limit.Scope && u.Name == limit.Name).Select(u => u.Key).ToList()));
            }
        }

        return limits;
    }

    /// <summary>Sets a limit; true when it changed (and the change is in the audit trail).</summary>
    public Task<bool> SetAsync(Limit limit, string actor, CancellationToken cancellationToken) =>
        this.SetAsync(limit, actor, declared: null, cancellationToken);

    /// <summary>Sets a limit the settings declare, unless the settings declared the same when they last set it (a
    /// change over the API then holds until the settings change).</summary>
    internal Task<bool> DeclareAsync(Limit limit, CancellationToken cancellationToken) =>
        this.SetAsync(limit, "settings", declared: Json(limit), cancellationToken);

    /// <summary>Removes a limit; false when there was none. Its work runs unlimited from the next lease.</summary>
    public async Task<bool> RemoveAsync(string scope, string name, string actor, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, "Limits/Sql/LockQueue.sql", cancellationToken);
        await using NpgsqlCommand remove = Command(connection, "Limits/Sql/RemoveLimit.sql", this.clock);
        remove.Parameters.AddWithValue("scope", scope);
        remove.Parameters.AddWithValue("name", name);
        remove.Parameters.AddWithValue("actor", actor);
        bool removed = (long)(await remove.Positional().ExecuteScalarAsync(cancellationToken))! > 0;
        if (removed)
        {
            await Execute(connection, "Limits/Sql/RekeyLimitedWork.sql", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>The audit trail of the limits, newest first: <paramref name="limit"/> entries before the entry
    /// <paramref name="beforeId"/> (or the newest).</summary>
    public async Task<IReadOnlyList<LimitChange>> ChangesAsync(long? beforeId, int limit, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Limits/Sql/ListLimitChanges.sql"));
        command.Parameters.AddWithValue("before_id", beforeId is { } id ? id : DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        var changes = new List<LimitChange>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string scope = reader.GetString(1), name = reader.GetString(2);
            changes.Add(new LimitChange(
                reader.GetInt64(0), scope, name,
                reader.IsDBNull(3) ? null : FromJson(scope, name, reader.GetString(3)),
                reader.IsDBNull(4) ? null : FromJson(scope, name, reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        }

        return changes;
    }

    /// <remarks>A new limit moves work onto its key, so it takes the queue's lock first (LockQueue.sql); a change of an
    /// existing limit's numbers does not.</remarks>
    private async Task<bool> SetAsync(Limit limit, string actor, string? declared, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (NpgsqlCommand exists = Command(connection, "Limits/Sql/LimitExists.sql"))
        {
            exists.Parameters.AddWithValue("scope", limit.Scope);
            exists.Parameters.AddWithValue("name", limit.Name);
            if (!(bool)(await exists.Positional().ExecuteScalarAsync(cancellationToken))!)
            {
                await Execute(connection, "Limits/Sql/LockQueue.sql", cancellationToken);
            }
        }

        bool changed = false, created = false;
        await using (NpgsqlCommand set = Command(connection, "Limits/Sql/SetLimit.sql", this.clock))
        {
            set.Parameters.AddWithValue("scope", limit.Scope);
            set.Parameters.AddWithValue("name", limit.Name);
            set.Parameters.AddWithValue("max_concurrent", limit.MaxConcurrent is { } max ? max : DBNull.Value);
            set.Parameters.AddWithValue("per_second", limit.Rate is { } rate ? rate.PerSecond : DBNull.Value);
            set.Parameters.AddWithValue("burst", limit.Rate is { } bucket ? bucket.Burst : DBNull.Value);
            set.Parameters.AddWithValue("declared", declared is null ? DBNull.Value : declared);
            set.Parameters.AddWithValue("actor", actor);
            await using NpgsqlDataReader reader = await set.Positional().ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                changed = true;
                created = reader.GetBoolean(0);
            }
        }

        if (created)
        {
            await Execute(connection, "Limits/Sql/RekeyLimitedWork.sql", cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, SqlClock? clock = null)
    {
        var command = new NpgsqlCommand(SqlText.Get(sql), connection);
        if (clock is not null)
        {
            command.Parameters.Add(clock.Now());
        }

        return command;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = Command(connection, sql);
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Json(Limit limit) => JsonSerializer.Serialize(new LimitJson(limit.MaxConcurrent, limit.Rate), TaskFlowJson.Options);

    private static Limit FromJson(string scope, string name, string json)
    {
        LimitJson parsed = JsonSerializer.Deserialize<LimitJson>(json, TaskFlowJson.Options)!;
        return new Limit(scope, name, parsed.MaxConcurrent, parsed.Rate);
    }

    /// <summary>A limit's numbers as <c>taskflow.limit_json</c> writes them.</summary>
    private sealed record LimitJson(int? MaxConcurrent, LimitRate? Rate);
}
