using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskFlow.Database;
using TaskFlow.Telemetry;
using TaskFlow.Testing;
using TaskFlow.Workers;

namespace TaskFlow.Core.Tests.Telemetry;

/// <summary>The metrics' queue gauges, read from PostgreSQL by <see cref="QueueSnapshotService"/>.</summary>
public sealed class QueueSnapshotTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Snapshot_CountsReadyWaitingAndLeased_LimitedOrNot()
    {
        await database.ExecuteAsync("DELETE FROM taskflow.work_items");
        await database.ExecuteAsync(Insert(1, 3, visible: "now() - interval '10 seconds'"));
        await database.ExecuteAsync(Insert(4, 5, visible: "now() + interval '1 hour'"));
        await database.ExecuteAsync(Insert(6, 6, visible: "now() - interval '40 seconds'", limitKey: "'tenant:a'"));
        await database.ExecuteAsync(Insert(7, 7, visible: "now() + interval '1 hour'", limitKey: "'tenant:a'"));
        await database.ExecuteAsync(Insert(8, 9, visible: "now() - interval '1 minute'"));
        await database.ExecuteAsync("""
            UPDATE taskflow.work_items SET lease_token = id, lease_owner = 'w', leased_at = now(), lease_expires_at = now() + interval '1 minute'
            WHERE instance_id IN ('task-8', 'task-9')
            """);

        QueueSnapshot snapshot = await this.Service().RefreshAsync(CancellationToken.None);

        Assert.Equal(4, snapshot.Ready); // three unlimited and one limited
        Assert.Equal(3, snapshot.Scheduled);
        Assert.Equal(2, snapshot.Running);
        Assert.InRange(snapshot.OldestReadyAgeSeconds, 39, 50); // the limited item's 40 s; not the leased ones' minute
    }

    [Fact]
    public async Task Snapshot_OfAnEmptyQueue_IsZeros()
    {
        await database.ExecuteAsync("DELETE FROM taskflow.work_items");

        QueueSnapshot snapshot = await this.Service().RefreshAsync(CancellationToken.None);

        Assert.Equal((0L, 0L, 0L, 0.0), (snapshot.Ready, snapshot.Scheduled, snapshot.Running, snapshot.OldestReadyAgeSeconds));
    }

    private QueueSnapshotService Service() => new(
        database.DataSource, new SqlClock(TimeProvider.System), Options.Create(new WorkerOptions()), NullLogger<QueueSnapshotService>.Instance);

    private static string Insert(int from, int to, string visible, string limitKey = "NULL") => $$"""
        INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at, limit_key)
        SELECT 'task-' || n, 1, 'activity', 1, 'echo', 5, '{"maxAttempts":3}', 3, {{visible}}, now(), {{limitKey}}
        FROM generate_series({{from}}, {{to}}) AS n
        """;
}
