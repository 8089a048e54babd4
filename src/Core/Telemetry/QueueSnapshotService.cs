using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Workers;

namespace TaskFlow.Telemetry;

/// <summary>Reads the queue's gauges from PostgreSQL every few seconds (a gauge's callback cannot wait for a query),
/// so a scrape answers from memory.</summary>
internal sealed class QueueSnapshotService(NpgsqlDataSource dataSource, SqlClock clock, IOptions<WorkerOptions> workers, ILogger<QueueSnapshotService> logger)
    : PeriodicService(clock.Time, logger)
{
    /// <summary>The planner settings QueueSnapshot.sql runs under, for its implicit transaction only: its counts walk the
    /// queue's partial indexes, never its heap. Statistics taken mid-churn describe a queue thousands of rows long, so
    /// the planner would scan the table, and that heap holds a minute of dead rows between vacuums. And no JIT: the
    /// small tables it still scans (the workers) then cost the plan more than any JIT threshold, and PostgreSQL spent
    /// 1.0-1.2 s compiling it at each call (the data source turns JIT off too, unless a connection string turns it on).</summary>
    internal static readonly string PlannerSettings = OptionalFilterQuery.TransactionSettings(("enable_seqscan", "off"), ("jit", "off"));

    private volatile QueueSnapshot? latest;

    public QueueSnapshot? Latest => this.latest;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        TaskFlowMetrics.ObserveQueue(() => this.latest);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Reads the snapshot now (also what the loop does every interval).</summary>
    public async Task<QueueSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlBatch batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(PlannerSettings));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SqlText.Get("Telemetry/Sql/QueueSnapshot.sql")));
        batch.Parameters().Add(clock.Now());
        batch.Parameters().AddWithValue("stale_after", workers.Value.HeartbeatInterval * 3);
        await using NpgsqlDataReader reader = await batch.ExecuteQueryAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var snapshot = new QueueSnapshot(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5));
        await reader.CloseAsync();
        snapshot = snapshot with { Limits = await this.ReadLimitsAsync(cancellationToken) };
        this.latest = snapshot;
        return snapshot;
    }

    private async Task<IReadOnlyList<LimitGauge>> ReadLimitsAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Telemetry/Sql/LimitSnapshot.sql"));
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        var limits = new List<LimitGauge>();
        while (await reader.ReadAsync(cancellationToken))
        {
            limits.Add(new LimitGauge(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return limits;
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) => this.RefreshAsync(cancellationToken);
}
