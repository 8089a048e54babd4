using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Workers;

/// <summary>Announces this worker in <c>taskflow.workers</c>, heartbeats it, and marks it stopped on shutdown.</summary>
/// <remarks>The heartbeat here is for operators (GET /api/workers); leases are renewed by <c>LeaseRenewer</c>.</remarks>
internal sealed class WorkerRegistry(
    NpgsqlDataSource dataSource, SqlClock clock, WorkerIdentity identity, IOptions<WorkerOptions> options, ILogger<WorkerRegistry> logger)
    : PeriodicService(clock.Time, logger)
{
    protected override TimeSpan Interval => options.Value.HeartbeatInterval;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get("Workers/Sql/RegisterWorker.sql"));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("id", identity.Id);
        command.Parameters.AddWithValue("host", Environment.MachineName);
        command.Parameters.AddWithValue("process_id", Environment.ProcessId);
        command.Parameters.AddWithValue("role", identity.Role);
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await this.ExecuteWorkerStatementAsync("Workers/Sql/DeregisterWorker.sql", cancellationToken);
    }

    protected override Task RunOnceAsync(CancellationToken cancellationToken) =>
        this.ExecuteWorkerStatementAsync("Workers/Sql/HeartbeatWorker.sql", cancellationToken);

    private async Task ExecuteWorkerStatementAsync(string sqlPath, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(SqlText.Get(sqlPath));
        command.Parameters.Add(clock.Now());
        command.Parameters.AddWithValue("id", identity.Id);
        await command.Positional().ExecuteNonQueryAsync(cancellationToken);
    }
}
