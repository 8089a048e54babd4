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
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Telemetry/Sql/QueueSnapshot.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("stale_after", workers.Value.HeartbeatInterval * 3);
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
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
