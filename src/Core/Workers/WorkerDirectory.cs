using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Workers;

/// <summary>Reads <c>taskflow.workers</c> for operators.</summary>
internal sealed class WorkerDirectory(NpgsqlDataSource dataSource, SqlClock clock)
{
    public async Task<IReadOnlyList<WorkerRecord>> ListAsync(TimeSpan staleAfter, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Workers/Sql/ListWorkers.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("stale_after", staleAfter);
        var workers = new List<WorkerRecord>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            workers.Add(new WorkerRecord(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetBoolean(7)));
        }

        return workers;
    }
}

/// <summary>A worker process as operators see it; <c>Lost</c> means it stopped heartbeating without stopping.</summary>
internal sealed record WorkerRecord(
    string Id, string Host, int ProcessId, string Role, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, DateTimeOffset? StoppedAt, bool Lost);
