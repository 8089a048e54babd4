using Npgsql;

namespace TaskFlow.Database;

/// <summary>A query whose filters are optional (<c>@x IS NULL OR …</c>), run with a plan made for the values at hand.</summary>
/// <remarks>TaskFlow's data source prepares repeated statements automatically, and PostgreSQL may then switch a
/// prepared statement to one generic plan for all values. For fixed-shape statements (leases, completions, episodes)
/// that saves the planning. For optional filters it would be wrong: a generic plan cannot drop the filters that
/// are absent, so it cannot use the index that the given filter needs (listing by one tag would walk every task).
/// The setting is made transaction-local by <c>set_config(…, true)</c> in the batch's implicit transaction, before the
/// query is planned, and ends with it (<c>SET LOCAL</c> would do the same, but PostgreSQL logs a warning for it outside an
/// explicit transaction block, at every call). Read the query's rows with <see cref="ExecuteQueryAsync"/>.</remarks>
internal static class OptionalFilterQuery
{
    /// <summary>A batch of the query after the setting; add the query's parameters to <see cref="Parameters"/>.</summary>
    public static NpgsqlBatch Create(NpgsqlDataSource dataSource, string sql)
    {
        NpgsqlBatch batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(TransactionSettings(("plan_cache_mode", "force_custom_plan"))));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(sql));
        return batch;
    }

    /// <summary>One statement that sets server settings until the end of the (implicit) transaction; it returns one row.</summary>
    public static string TransactionSettings(params (string Name, string Value)[] settings) =>
        "SELECT " + string.Join(", ", settings.Select(s => $"set_config('{s.Name}', '{s.Value}', true)"));

    /// <summary>Runs the batch and returns a reader at the query's rows, past the setting's.</summary>
    public static async Task<NpgsqlDataReader> ExecuteQueryAsync(this NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        NpgsqlDataReader reader = await batch.Positional().ExecuteReaderAsync(cancellationToken);
        try
        {
            await reader.NextResultAsync(cancellationToken);
            return reader;
        }
        catch
        {
            // The query raised (a commit's check, say): the caller never gets the reader, so it is closed here, or the
            // connection stays busy with it and the caller's next command on it fails.
            await reader.DisposeAsync();
            throw;
        }
    }

    /// <summary>The query's parameters.</summary>
    public static NpgsqlParameterCollection Parameters(this NpgsqlBatch batch) => batch.BatchCommands[^1].Parameters;
}
