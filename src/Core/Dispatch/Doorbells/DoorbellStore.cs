using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Dispatch.Doorbells;

/// <summary>The doorbell bookkeeping on the work items table.</summary>
internal sealed class DoorbellStore(NpgsqlDataSource dataSource, SqlClock clock)
{
    /// <summary>Claims work items that have had no doorbell since they became ready, and when each one should show.</summary>
    public async Task<IReadOnlyList<(Doorbell Doorbell, string Kind, TimeSpan Delay)>> ClaimNewAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Dispatch/Doorbells/Sql/ClaimNewDoorbells.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("batch_size", batchSize);
        return await ReadClaimedAsync(command, cancellationToken);
    }

    /// <summary>Claims up to <paramref name="batchSize"/> items of <paramref name="kind"/> waiting longest on a doorbell presumed lost.</summary>
    public async Task<IReadOnlyList<(Doorbell Doorbell, string Kind, TimeSpan Delay)>> ClaimLostAsync(
        string kind, int batchSize, TimeSpan ringAgainAfter, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Dispatch/Doorbells/Sql/ClaimLostDoorbells.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("batch_size", batchSize);
        command.Parameters.AddWithValue("ring_again_after", ringAgainAfter);
        return await ReadClaimedAsync(command, cancellationToken);
    }

    /// <summary>How many items of <paramref name="kind"/> have a doorbell on the queue: rung, and not yet finished.</summary>
    public async Task<long> CountRungAsync(string kind, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Dispatch/Doorbells/Sql/CountRung.sql"));
        command.Parameters.AddWithValue("kind", kind);
        return (long)(await command.Positional().ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Marks these waiting work items as having no doorbell, so the ringer puts one.</summary>
    public async Task ForgetAsync(IReadOnlyCollection<long> workItemIds, CancellationToken cancellationToken)
    {
        if (workItemIds.Count == 0)
        {
            return;
        }

        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Dispatch/Doorbells/Sql/ForgetDoorbells.sql"));
        command.Parameters.AddWithValue("ids", workItemIds.ToArray());
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The state of each work item still there: leased or not, and when it is due.</summary>
    public async Task<IReadOnlyDictionary<long, (bool Leased, DateTimeOffset VisibleAt)>> StatesAsync(
        IReadOnlyCollection<long> workItemIds, CancellationToken cancellationToken)
    {
        var states = new Dictionary<long, (bool, DateTimeOffset)>();
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Dispatch/Doorbells/Sql/WorkItemStates.sql"));
        command.Parameters.AddWithValue("ids", workItemIds.ToArray());
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states[reader.GetInt64(0)] = (reader.GetBoolean(1), reader.GetFieldValue<DateTimeOffset>(2));
        }

        return states;
    }

    private static async Task<IReadOnlyList<(Doorbell Doorbell, string Kind, TimeSpan Delay)>> ReadClaimedAsync(
        NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claimed = new List<(Doorbell, string, TimeSpan)>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add((new Doorbell(reader.GetInt64(0), reader.GetString(1)), reader.GetString(2), reader.GetTimeSpan(3)));
        }

        return claimed;
    }
}
