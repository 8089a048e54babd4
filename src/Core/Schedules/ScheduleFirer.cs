using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Logging;
using TaskFlow.Telemetry;
using TaskFlow.Workers;

namespace TaskFlow.Schedules;

/// <summary>Starts the task of every due cron slot, exactly once across all TaskFlow processes.</summary>
/// <remarks>Each pass locks the due schedules with <c>FOR UPDATE SKIP LOCKED</c>, so any number of schedulers
/// can run; and each slot's decision (its <c>schedule_slots</c> row), its task and its history commit in one
/// transaction, so a crash in between loses or repeats nothing. Slots found later than
/// <see cref="SchedulerOptions.MisfireTolerance"/> are missed and handled by the schedule's catch-up policy.</remarks>
internal sealed partial class ScheduleFirer(
    NpgsqlDataSource dataSource,
    SqlClock clock,
    TaskFlowClient tasks,
    ScheduleClient schedules,
    WorkerIdentity identity,
    IOptions<SchedulerOptions> options,
    ILogger<ScheduleFirer> logger) : BackgroundService
{
    private const int BatchSize = 20;
    private const int MaxSlotsPerPass = 10_000;

    /// <summary>Decides every due slot; returns how many schedules it handled (0: none was due).</summary>
    public async Task<int> FireDueAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        List<DueSchedule> due = await LockDueAsync(transaction, cancellationToken);
        var decided = new SlotTally();
        foreach (DueSchedule schedule in due)
        {
            await this.DecideAsync(transaction, schedule, decided, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        decided.Record(); // only what committed: a pass that rolls back is decided again by the next
        return due.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan poll = options.Value.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait = poll;
            try
            {
                if (await this.FireDueAsync(stoppingToken) == BatchSize)
                {
                    continue;
                }

                await using NpgsqlCommand next = dataSource.CreateCommand(SqlText.Get("Schedules/Sql/NextScheduleFireAt.sql"));
                if (await next.Positional().ExecuteScalarAsync(stoppingToken) is DateTime nextFireAt)
                {
                    TimeSpan untilDue = new DateTimeOffset(nextFireAt, TimeSpan.Zero) - clock.Time.GetUtcNow();
                    wait = untilDue < poll ? untilDue : poll;
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, exception);
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock.Time, stoppingToken);
            }
        }
    }

    private async Task DecideAsync(NpgsqlTransaction transaction, DueSchedule schedule, SlotTally decided, CancellationToken cancellationToken)
    {
        CronSchedule cron = ScheduleSubmissions.Cron(schedule.Definition);
        DateTimeOffset until = schedule.Definition.EndAt ?? schedule.Now + ScheduleClient.Horizon;
        var slots = new List<DateTimeOffset>();
        DateTimeOffset? next = schedule.NextFireAt;
        while (next is { } slot && slot <= schedule.Now && slots.Count < MaxSlotsPerPass)
        {
            slots.Add(slot);
            next = cron.NextAfter(slot, until);
        }

        var state = new SlotState(schedule.BufferedSlot, schedule.LastInstanceId);
        if (state.BufferedSlot is { } buffered && !await this.IsUnfinishedAsync(transaction, state.LastInstanceId, cancellationToken))
        {
            state = await this.StartAsync(transaction, schedule, buffered, state, decided, cancellationToken) with { BufferedSlot = null };
        }

        (List<DateTimeOffset> toRun, List<DateTimeOffset> missed) = this.ApplyCatchUp(schedule, slots);
        if (missed.Count > 0)
        {
            await schedules.RecordAsync(transaction, schedule.Name, "SlotsMissed", JsonSerializer.Serialize(new
            {
                count = missed.Count, first = missed[0], last = missed[^1], catchUp = schedule.Definition.CatchUp,
            }), this.Actor, cancellationToken);
            decided.Add("missed", missed.Count);
        }

        foreach (DateTimeOffset slot in toRun)
        {
            state = await this.DecideSlotAsync(transaction, schedule, slot, state, decided, cancellationToken);
        }

        await using var advance = new NpgsqlCommand(SqlText.Get("Schedules/Sql/AdvanceSchedule.sql"), transaction.Connection, transaction);
        advance.Parameters.AddWithValue("name", schedule.Name);
        advance.Parameters.Add(SqlParameters.Nullable("next_fire_at", NpgsqlDbType.TimestampTz, next));
        advance.Parameters.Add(SqlParameters.Nullable("buffered_slot", NpgsqlDbType.TimestampTz, state.BufferedSlot));
        advance.Parameters.Add(SqlParameters.Nullable("last_instance_id", NpgsqlDbType.Text, state.LastInstanceId));
        await advance.Positional().ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Splits due slots into those to run and those missed, by lateness and the catch-up policy.</summary>
    private (List<DateTimeOffset> Run, List<DateTimeOffset> Missed) ApplyCatchUp(DueSchedule schedule, List<DateTimeOffset> slots)
    {
        DateTimeOffset onTimeFrom = schedule.Now - options.Value.MisfireTolerance;
        List<DateTimeOffset> late = slots.Where(slot => slot < onTimeFrom).ToList();
        List<DateTimeOffset> onTime = slots.Where(slot => slot >= onTimeFrom).ToList();
        int caughtUp = schedule.Definition.CatchUp switch
        {
            ScheduleDefinition.CatchUpAll => Math.Min(late.Count, schedule.Definition.CatchUpLimit),
            ScheduleDefinition.CatchUpLatest => Math.Min(late.Count, 1),
            _ => 0,
        };
        return ([.. late.TakeLast(caughtUp), .. onTime], late.SkipLast(caughtUp).ToList());
    }

    private async Task<SlotState> DecideSlotAsync(
        NpgsqlTransaction transaction, DueSchedule schedule, DateTimeOffset slot, SlotState state, SlotTally decided, CancellationToken cancellationToken)
    {
        string overlap = schedule.Definition.Overlap;
        if (overlap == ScheduleDefinition.OverlapAllow || !await this.IsUnfinishedAsync(transaction, state.LastInstanceId, cancellationToken))
        {
            return await this.StartAsync(transaction, schedule, slot, state, decided, cancellationToken);
        }

        bool buffer = overlap == ScheduleDefinition.OverlapBufferOne && state.BufferedSlot is null;
        await this.ClaimAsync(transaction, schedule.Name, slot, buffer ? "buffered" : "skipped", null, cancellationToken);
        decided.Add(buffer ? "buffered" : "skipped");
        await schedules.RecordAsync(transaction, schedule.Name, buffer ? "SlotBuffered" : "SlotSkipped", JsonSerializer.Serialize(new
        {
            slot,
            reason = $"The previous run {state.LastInstanceId} is still running (overlap: {overlap}).",
        }), this.Actor, cancellationToken);
        return buffer ? state with { BufferedSlot = slot } : state;
    }

    private async Task<SlotState> StartAsync(
        NpgsqlTransaction transaction, DueSchedule schedule, DateTimeOffset slot, SlotState state, SlotTally decided, CancellationToken cancellationToken)
    {
        string id = (await tasks.ScheduleNewTaskAsync(ScheduleSubmissions.For(schedule.Definition, slot), this.Actor, transaction, cancellationToken))!;
        await this.ClaimAsync(transaction, schedule.Name, slot, "started", id, cancellationToken);
        decided.Add("fired");
        await schedules.RecordAsync(transaction, schedule.Name, "SlotFired", JsonSerializer.Serialize(new { slot, taskId = id }), this.Actor, cancellationToken);
        return state with { LastInstanceId = id };
    }

    private async Task ClaimAsync(NpgsqlTransaction transaction, string name, DateTimeOffset slot, string outcome, string? instanceId, CancellationToken cancellationToken)
    {
        await using var claim = new NpgsqlCommand(SqlText.Get("Schedules/Sql/ClaimSlot.sql"), transaction.Connection, transaction);
        claim.Parameters.Add(clock.Now());
        claim.Parameters.AddWithValue("name", name);
        claim.Parameters.AddWithValue("slot", slot);
        claim.Parameters.AddWithValue("outcome", outcome);
        claim.Parameters.Add(SqlParameters.Nullable("instance_id", NpgsqlDbType.Text, instanceId));
        if (await claim.Positional().ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            // Never expected while the schedule row is locked; refusing keeps "one task per slot" whatever happens.
            throw new InvalidOperationException($"Slot {slot:O} of schedule '{name}' was already decided; rolling back.");
        }
    }

    private async Task<bool> IsUnfinishedAsync(NpgsqlTransaction transaction, string? instanceId, CancellationToken cancellationToken)
    {
        if (instanceId is null)
        {
            return false;
        }

        await using var command = new NpgsqlCommand(SqlText.Get("Schedules/Sql/InstanceIsUnfinished.sql"), transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", instanceId);
        return (bool)(await command.Positional().ExecuteScalarAsync(cancellationToken))!;
    }

    private string Actor => $"scheduler:{identity.Id}";

    private async Task<List<DueSchedule>> LockDueAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(SqlText.Get("Schedules/Sql/LockDueSchedules.sql"), transaction.Connection, transaction);
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("batch_size", BatchSize);
        var due = new List<DueSchedule>();
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ScheduleRecord schedule = ScheduleClient.ReadSchedule(reader);
            due.Add(new DueSchedule(schedule.Definition, schedule.NextFireAt, schedule.BufferedSlot, schedule.LastInstanceId, reader.GetFieldValue<DateTimeOffset>(17)));
        }

        return due;
    }


    [LoggerMessage(EventId = EventIds.SchedulerPassFailed, Level = LogLevel.Warning, Message = "Scheduler pass failed; trying again next interval")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    private sealed record DueSchedule(ScheduleDefinition Definition, DateTimeOffset? NextFireAt, DateTimeOffset? BufferedSlot, string? LastInstanceId, DateTimeOffset Now)
    {
        public string Name => this.Definition.Name;
    }

    private sealed record SlotState(DateTimeOffset? BufferedSlot, string? LastInstanceId);

    /// <summary>The slots a pass decided, by outcome, counted in the metrics once the pass commits.</summary>
    private sealed class SlotTally
    {
        private readonly Dictionary<string, int> byOutcome = new(StringComparer.Ordinal);

        public void Add(string outcome, int count = 1) => this.byOutcome[outcome] = this.byOutcome.GetValueOrDefault(outcome) + count;

        public void Record()
        {
            foreach ((string outcome, int count) in this.byOutcome)
            {
                TaskFlowMetrics.ScheduleSlots.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }
}
