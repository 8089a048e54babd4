using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.WorkItems;

namespace TaskFlow.Testing;

/// <summary>The client, the queue and its leases on one fake clock: how the store's tests submit, lease and complete
/// work by hand, with time moved by the test alone.</summary>
internal sealed class QueueOnFakeClock
{
    public QueueOnFakeClock(NpgsqlDataSource dataSource, DateTimeOffset start, TimeSpan lease)
    {
        this.Time = new FakeTimeProvider(start);
        this.Clock = new SqlClock(this.Time);
        this.Lease = lease;
        this.Client = new TaskFlowClient(dataSource, this.Clock);
        this.Queue = new WorkItemQueue(dataSource, this.Clock, new WorkReadyNotifier(dataSource, new WakeSignal(), NullLogger<WorkReadyNotifier>.Instance));
        this.Leases = this.LeasesOn(dataSource);
    }

    public FakeTimeProvider Time { get; }

    public SqlClock Clock { get; }

    /// <summary>How long a lease lasts.</summary>
    public TimeSpan Lease { get; }

    public TaskFlowClient Client { get; }

    public WorkItemQueue Queue { get; }

    public WorkItemLeases Leases { get; }

    /// <summary>Leases through another data source (a pool of one connection, say), on the same clock.</summary>
    public WorkItemLeases LeasesOn(NpgsqlDataSource dataSource) =>
        new(dataSource, this.Clock, Options.Create(new LeaseOptions { Duration = this.Lease }));
}
