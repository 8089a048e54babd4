using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Json;

namespace TaskFlow.Schedules;

/// <summary>Creates, changes, pauses, triggers and deletes schedules; every change is recorded with its actor.</summary>
public sealed class ScheduleClient
{
    /// <summary>How far ahead a schedule is searched for its next slot (ten years).</summary>
    internal static readonly TimeSpan Horizon = TimeSpan.FromDays(3660);
    private readonly NpgsqlDataSource dataSource;
    private readonly SqlClock clock;
    private readonly TaskFlowClient tasks;

    internal ScheduleClient(NpgsqlDataSource dataSource, SqlClock clock, TaskFlowClient tasks)
    {
        this.dataSource = dataSource;
        this.clock = clock;
        this.tasks = tasks;
    }

    /// <summary>Creates a schedule. Returns false when the name is taken.</summary>
    public async Task<bool> CreateScheduleAsync(ScheduleDefinition definition, string actor, string source = "api", CancellationToken cancellationToken = default)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await this.WriteDefinitionAsync(transaction, "Schedules/Sql/InsertSchedule.sql", definition, actor, source, cancellationToken))
        {
            return false;
        }

        await this.RecordAsync(transaction, definition.Name, "ScheduleCreated", Describe(definition), actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Replaces a schedule's definition, or creates it. Returns true when it was created.</summary>
    /// <remarks>An unchanged definition records nothing, so configuration re-applied at every start-up
    /// leaves the audit trail alone.</remarks>
    public async Task<bool> PutScheduleAsync(ScheduleDefinition definition, string actor, string source = "api", CancellationToken cancellationToken = default)
    {
        ScheduleRecord? existing = await this.GetScheduleAsync(definition.Name, cancellationToken);
        if (existing is null)
        {
            return await this.CreateScheduleAsync(definition, actor, source, cancellationToken)
                || await this.PutScheduleAsync(definition, actor, source, cancellationToken); // lost a race with another creator
        }

        if (Describe(existing.Definition) == Describe(definition))
        {
            return false;
        }

        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await this.WriteDefinitionAsync(transaction, "Schedules/Sql/UpdateSchedule.sql", definition, actor, source, cancellationToken))
        {
            await this.RecordAsync(transaction, definition.Name, "ScheduleUpdated", Describe(definition), actor, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return false;
    }

    /// <summary>The schedule, or null.</summary>
    public async Task<ScheduleRecord?> GetScheduleAsync(string name, CancellationToken cancellationToken = default) =>
        (await this.SelectAsync(name, cancellationToken)).SingleOrDefault();

    /// <summary>Every schedule, by name.</summary>
    public Task<IReadOnlyList<ScheduleRecord>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        this.SelectAsync(null, cancellationToken);

    /// <summary>Deletes a schedule; its slots and history stay. Returns false when there is none.</summary>
    public Task<bool> DeleteScheduleAsync(string name, string actor, CancellationToken cancellationToken = default) =>
        this.ChangeAsync(name, "Schedules/Sql/DeleteSchedule.sql", "ScheduleDeleted", actor, _ => { }, cancellationToken);

    /// <summary>Pauses or resumes. Resuming continues from the next slot after now. Returns false when there is
    /// no such schedule or it already is in that state.</summary>
    public async Task<bool> SetPausedAsync(string name, bool paused, string actor, CancellationToken cancellationToken = default)
    {
        ScheduleRecord? schedule = await this.GetScheduleAsync(name, cancellationToken);
        if (schedule is null)
        {
            return false;
        }

        DateTimeOffset? next = FirstSlot(schedule.Definition, this.clock.Time.GetUtcNow());
        return await this.ChangeAsync(name, "Schedules/Sql/SetSchedulePaused.sql", paused ? "SchedulePaused" : "ScheduleResumed", actor, parameters =>
        {
            parameters.AddWithValue("paused", paused);
            parameters.Add(SqlParameters.Nullable("next_fire_at", NpgsqlDbType.TimestampTz, next));
        }, cancellationToken);
    }

    /// <summary>Submits the schedule's task now, outside its slots (overlap policies do not apply).</summary>
    /// <returns>The task's id, or null when there is no such schedule.</returns>
    public async Task<string?> TriggerScheduleAsync(string name, string actor, CancellationToken cancellationToken = default)
    {
        ScheduleRecord? schedule = await this.GetScheduleAsync(name, cancellationToken);
        if (schedule is null)
        {
            return null;
        }

        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        string id = (await this.tasks.ScheduleNewTaskAsync(
            ScheduleSubmissions.For(schedule.Definition, slot: null), actor, transaction, cancellationToken))!;
        await this.RecordAsync(transaction, name, "ScheduleTriggered", JsonSerializer.Serialize(new { taskId = id }), actor, cancellationToken);
        await using (NpgsqlCommand advance = new("UPDATE taskflow.schedules SET last_instance_id = @id WHERE name = @name", connection, transaction))
        {
            advance.Parameters.AddWithValue("id", id);
            advance.Parameters.AddWithValue("name", name);
            await advance.Positional().ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    /// <summary>The schedule's audit trail, newest first.</summary>
    public async Task<IReadOnlyList<ScheduleEventRecord>> GetScheduleHistoryAsync(string name, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using NpgsqlCommand command = this.dataSource.CreateCommand(SqlText.Get("Schedules/Sql/SelectScheduleEvents.sql"));
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("limit", limit);
        var events = new List<ScheduleEventRecord>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ScheduleEventRecord(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
        }

        return events;
    }

    /// <summary>The schedule's next slots from now, for display.</summary>
    public IReadOnlyList<DateTimeOffset> NextSlots(ScheduleDefinition definition, int count)
    {
        CronSchedule cron = ScheduleSubmissions.Cron(definition);
        DateTimeOffset now = this.clock.Time.GetUtcNow();
        DateTimeOffset from = definition.StartAt is { } start && start > now ? start.AddTicks(-1) : now;
        return cron.NextSlots(from, definition.EndAt ?? now + Horizon, count);
    }

    /// <summary>The first slot at or after <paramref name="from"/> (and the schedule's start), or null if it never fires again.</summary>
    internal static DateTimeOffset? FirstSlot(ScheduleDefinition definition, DateTimeOffset from)
    {
        DateTimeOffset after = (definition.StartAt is { } start && start > from ? start : from).AddTicks(-1);
        return ScheduleSubmissions.Cron(definition).NextAfter(after, definition.EndAt ?? from + Horizon);
    }

    private async Task<bool> WriteDefinitionAsync(
        NpgsqlTransaction transaction, string sqlPath, ScheduleDefinition definition, string actor, string source, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get(sqlPath), transaction.Connection, transaction);
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("name", definition.Name);
        command.Parameters.AddWithValue("cron", definition.Cron);
        command.Parameters.AddWithValue("time_zone", definition.TimeZone);
        command.Parameters.Add(new NpgsqlParameter("task", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(definition.Task, TaskFlowJson.Options) });
        command.Parameters.AddWithValue("overlap", definition.Overlap);
        command.Parameters.AddWithValue("catch_up", definition.CatchUp);
        command.Parameters.AddWithValue("catch_up_limit", definition.CatchUpLimit);
        command.Parameters.AddWithValue("paused", definition.Paused);
        command.Parameters.Add(SqlParameters.Nullable("start_at", NpgsqlDbType.TimestampTz, definition.StartAt?.ToUniversalTime()));
        command.Parameters.Add(SqlParameters.Nullable("end_at", NpgsqlDbType.TimestampTz, definition.EndAt?.ToUniversalTime()));
        command.Parameters.Add(SqlParameters.Nullable("next_fire_at", NpgsqlDbType.TimestampTz, FirstSlot(definition, this.clock.Time.GetUtcNow())));
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("actor", actor);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken);
    }

    private async Task<bool> ChangeAsync(
        string name, string sqlPath, string eventType, string actor, Action<NpgsqlParameterCollection> addParameters, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await this.dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(SqlText.Get(sqlPath), connection, transaction))
        {
            command.Parameters.Add(this.clock.Now());
            command.Parameters.AddWithValue("name", name);
            addParameters(command.Parameters);
            await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }
        }

        await this.RecordAsync(transaction, name, eventType, null, actor, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    internal async Task RecordAsync(NpgsqlTransaction transaction, string name, string eventType, string? payloadJson, string actor, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Schedules/Sql/InsertScheduleEvent.sql"), transaction.Connection, transaction);
        command.Parameters.Add(this.clock.Now());
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("event_type", eventType);
        command.Parameters.Add(SqlParameters.Nullable("payload", NpgsqlDbType.Jsonb, payloadJson));
        command.Parameters.AddWithValue("actor", actor);
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<ScheduleRecord>> SelectAsync(string? name, CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = OptionalFilterQuery.Create(this.dataSource, SqlText.Get("Schedules/Sql/SelectSchedules.sql"));
        batch.Parameters().Add(SqlParameters.Nullable("name", NpgsqlDbType.Text, name));
        var schedules = new List<ScheduleRecord>();
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            schedules.Add(ReadSchedule(reader));
        }

        return schedules;
    }

    /// <summary>Reads a row in the column order of SelectSchedules.sql (LockDueSchedules.sql shares it).</summary>
    internal static ScheduleRecord ReadSchedule(NpgsqlDataReader reader)
    {
        var definition = new ScheduleDefinition(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            JsonSerializer.Deserialize<ScheduledTaskTemplate>(reader.GetString(3), TaskFlowJson.Options)!,
            reader.GetString(4),
            reader.GetString(5),
            reader.GetInt32(6),
            reader.GetBoolean(7),
            OptionalTime(reader, 8),
            OptionalTime(reader, 9));
        return new ScheduleRecord(
            definition,
            OptionalTime(reader, 10),
            OptionalTime(reader, 11),
            reader.IsDBNull(12) ? null : reader.GetString(12),
            reader.GetString(13),
            reader.GetString(14),
            reader.GetFieldValue<DateTimeOffset>(15),
            reader.GetFieldValue<DateTimeOffset>(16));
    }

    /// <summary>The definition as canonical JSON: the payload of ScheduleCreated/Updated, and what "unchanged" compares.</summary>
    private static string Describe(ScheduleDefinition definition) => JsonSerializer.Serialize(definition, TaskFlowJson.Options);

    private static DateTimeOffset? OptionalTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

}
