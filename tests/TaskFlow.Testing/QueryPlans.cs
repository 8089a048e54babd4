using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Testing;

/// <summary>The plan PostgreSQL makes for a statement, as the plan tests read it.</summary>
internal static class QueryPlans
{
    /// <summary>Runs a batch of planner settings followed by an <c>EXPLAIN</c> (as <see cref="OptionalFilterQuery"/> runs a
    /// query, in one implicit transaction) and returns the plan's lines as one text.</summary>
    public static async Task<string> ExplainAsync(NpgsqlBatch settingsThenExplain)
    {
        await using NpgsqlDataReader reader = await settingsThenExplain.ExecuteQueryAsync(CancellationToken.None);
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines.Count > 0 ? string.Join('\n', lines) : throw new InvalidOperationException("The EXPLAIN returned no plan.");
    }

    /// <summary>EXPLAIN (ANALYZE, unless <paramref name="analyze"/> is false) of the statement a connection prepared (Npgsql's automatic preparation) whose text is
    /// like <paramref name="statementLike"/>, run with <paramref name="arguments"/> by the statement's parameter names
    /// under <paramref name="settings"/>, in a transaction that is rolled back. So the plan shown is the one the
    /// connection keeps (its generic plan, under <c>force_generic_plan</c>), as it runs now.</summary>
    /// <returns>The plan, and how many generic and custom plans the statement has used on that connection.</returns>
    public static async Task<(string Plan, long GenericPlans, long CustomPlans)> ExplainPreparedAsync(
        NpgsqlDataSource oneConnection, string statementLike, string namedSql, string settings, IReadOnlyDictionary<string, string> arguments,
        bool analyze = true)
    {
        await using NpgsqlConnection connection = await oneConnection.OpenConnectionAsync();
        string name;
        long generic, custom;
        await using (var find = new NpgsqlCommand(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE $1", connection) { Parameters = { new() { Value = statementLike } } })
        await using (NpgsqlDataReader reader = await find.ExecuteReaderAsync())
        {
            if (!await reader.ReadAsync())
            {
                throw new InvalidOperationException($"No statement like '{statementLike}' was prepared on the connection.");
            }

            (name, generic, custom) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        string values = string.Join(", ", PositionalSql.Of(namedSql).Names.Select(parameter => arguments[parameter]));
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(settings));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"EXPLAIN ({(analyze ? "ANALYZE, TIMING OFF, " : string.Empty)}COSTS OFF) EXECUTE {name}({values})"));
        string plan = await ExplainAsync(batch);
        await transaction.RollbackAsync();
        return (plan, generic, custom);
    }
}
