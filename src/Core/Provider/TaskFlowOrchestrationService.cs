using DurableTask.Core;
using DurableTask.Core.Query;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Entities;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Logging;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow.Provider;

/// <summary>TaskFlow's store as a Durable Task Framework backend: the <see cref="IOrchestrationService"/> the Durable
/// extension (or any Durable Task Framework host) runs orchestrations through, and the client interfaces it manages
/// them with. Every read and write is the TaskFlow server's own (leases fenced by token, one-transaction episode
/// commits, the inbox), so a server and Durable hosts can share one database and each other's work.</summary>
/// <remarks>
/// <para>One database is one task hub: every host on it must register the same orchestrators and activities (an
/// episode leased by a host that lacks the orchestrator fails it, as in Durable Task).</para>
/// <para>Locks are leases: a host that dies holding one delays that work by up to the lease's duration (<see cref="TaskFlowOrchestrationServiceSettings.Lease"/>),
/// after which another host runs it; a host whose lock was handed on cannot commit.</para>
/// <para>Inputs, outputs and event data are stored as JSON (PostgreSQL <c>jsonb</c>), which Durable's data converters
/// produce; the text of an object may come back with its keys in another order.</para>
/// </remarks>
public sealed partial class TaskFlowOrchestrationService
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient, IDisposable
{
    private static readonly string[] EpisodeKinds = [WorkKinds.Orchestration, WorkKinds.Timer];
    private static readonly string[] EpisodeAndEntityKinds = [WorkKinds.Orchestration, WorkKinds.Timer, WorkKinds.Entity];
    private static readonly string[] EntityKinds = [WorkKinds.Entity];
    private static readonly string[] ActivityKinds = [WorkKinds.Activity];
    private readonly TaskFlowOrchestrationServiceSettings settings;
    private readonly ServiceProvider services;
    private readonly WorkItemQueue queue;
    private readonly WorkItemLeases leases;
    private readonly EpisodeStore episodes;
    private readonly GroupCommits<EpisodeToCommit> episodeCommits;
    private readonly TaskFlowClient client;
    private readonly EntityClient entities;
    private readonly CompletionBatcher completions;
    private readonly WorkReadyNotifier notifier;
    private readonly WakeSignal wake;
    private readonly WakeSignal.Listener episodeWakeUps;
    private readonly WakeSignal.Listener activityWakeUps;
    private readonly WakeSignal.Listener entityWakeUps;
    private readonly WorkerIdentity identity;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly LeaseBuffer episodeLeases;
    private readonly LeaseBuffer activityLeases;
    private readonly LeaseBuffer entityLeases;
    private readonly CancellationTokenSource stopping = new();
    private readonly object lifecycle = new();
    private Task? started;
    private Task? stopped;

    /// <param name="settings">Where the store is and how much work to take on.</param>
    /// <param name="loggerFactory">Where the service logs (the host's).</param>
    public TaskFlowOrchestrationService(TaskFlowOrchestrationServiceSettings settings, ILoggerFactory? loggerFactory = null)
    {
        settings.Validate();
        this.settings = settings;

        // The store's parts, with the background loops a host of its work needs: the schema migration, the listener
        // that wakes the dispatchers on new work, the rescuer of expired leases, the activity completion batcher and
        // the worker's row in taskflow.workers.
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));

        // The settings come from the host (host.json), not from configuration.
        services.AddTaskFlowStore(settings.ConnectionString);
        services.AddSingleton(Options.Create(settings.Lease));
        var identity = new WorkerIdentity { Role = "durable" };
        services.AddSingleton(identity);
        services.AddLeaseHolding();

        // The episode an activity's result wakes is leased in the result's commit to this host, whose episode dispatcher
        // takes it from its buffer, as its activity dispatcher takes the activity an episode's commit leased to it.
        services.AddSingleton(new EpisodeHandOff(identity.Id, settings.Lease.Duration, this.TakeHandedEpisode));
        services.AddHostedService(provider => provider.GetRequiredService<CompletionBatcher>());
        this.services = services.BuildServiceProvider();

        this.queue = this.services.GetRequiredService<WorkItemQueue>();
        this.leases = this.services.GetRequiredService<WorkItemLeases>();
        this.episodes = this.services.GetRequiredService<EpisodeStore>();
        // The dispatcher completes many episodes at once: those that finish together commit together, as on the server.
        this.episodeCommits = new GroupCommits<EpisodeToCommit>(group => this.episodes.CommitAsync(group, CancellationToken.None));
        this.client = this.services.GetRequiredService<TaskFlowClient>();
        this.entities = this.services.GetRequiredService<EntityClient>();
        this.completions = this.services.GetRequiredService<CompletionBatcher>();
        this.notifier = this.services.GetRequiredService<WorkReadyNotifier>();
        // The episode and activity loops wait on their own listeners, so neither takes the other's wake-up, and each
        // only for its own work. The episode loop also leases entities' batches unless the host dispatches them apart.
        this.wake = this.services.GetRequiredService<WakeSignal>();
        this.episodeWakeUps = this.wake.Listen(WakeUps.Episodes | WakeUps.Entities);
        this.activityWakeUps = this.wake.Listen(WakeUps.Activities);
        this.entityWakeUps = this.wake.Listen(WakeUps.Entities);
        this.identity = identity;
        this.time = this.services.GetRequiredService<TimeProvider>();
        this.logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<TaskFlowOrchestrationService>();
        // Entities' batches come with episodes unless the host asked for a queue of their own (SetUseSeparateQueueForEntityWorkItems).
        this.episodeLeases = new LeaseBuffer(
            (batch, token) => this.leases.LeaseNextAsync(this.identity.Id, batch, token, this.separateEntityQueue ? EpisodeKinds : EpisodeAndEntityKinds),
            this.leases, settings.Lease.Duration, this.time);
        this.entityLeases = new LeaseBuffer(
            (batch, token) => this.leases.LeaseNextAsync(this.identity.Id, batch, token, EntityKinds), this.leases, settings.Lease.Duration, this.time);
        this.activityLeases = new LeaseBuffer(
            (batch, token) => this.leases.LeaseNextAsync(this.identity.Id, batch, token, ActivityKinds, orchestrationWorkOnly: true),
            this.leases, settings.Lease.Duration, this.time);
    }

    /// <inheritdoc/>
    public int TaskOrchestrationDispatcherCount => 1;

    /// <inheritdoc/>
    public int MaxConcurrentTaskOrchestrationWorkItems => this.settings.MaxConcurrentOrchestrations;

    /// <inheritdoc/>
    public int TaskActivityDispatcherCount => 1;

    /// <inheritdoc/>
    public int MaxConcurrentTaskActivityWorkItems => this.settings.MaxConcurrentActivities;

    /// <inheritdoc/>
    /// <remarks>Events the orchestration had not read when it continued as new are carried into the next execution.</remarks>
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    /// <summary>The id this process leases work under and records as the actor of what it writes.</summary>
    public string WorkerId => this.identity.Id;

    /// <inheritdoc/>
    public Task CreateAsync() => this.CreateIfNotExistsAsync();

    /// <inheritdoc/>
    /// <remarks>TaskFlow's schema is migrated, never recreated: dropping it would drop the server's work too.</remarks>
    public Task CreateAsync(bool recreateInstanceStore) => this.CreateIfNotExistsAsync();

    /// <inheritdoc/>
    public Task CreateIfNotExistsAsync() => this.services.GetRequiredService<Migrator>().MigrateAsync(CancellationToken.None);

    /// <inheritdoc/>
    /// <remarks>Not supported: the schema holds the TaskFlow server's work too. Drop the <c>taskflow</c> schema by hand.</remarks>
    public Task DeleteAsync() => throw new NotSupportedException("TaskFlow does not delete its schema: it may hold a TaskFlow server's work. Drop the taskflow schema by hand.");

    /// <inheritdoc/>
    public Task DeleteAsync(bool deleteInstanceStore) => this.DeleteAsync();

    /// <inheritdoc/>
    /// <remarks>Once stopped, a service does not start again: create another.</remarks>
    public Task StartAsync()
    {
        lock (this.lifecycle)
        {
            return this.stopped is not null
                ? throw new InvalidOperationException("This TaskFlow orchestration service was stopped; create a new one.")
                : this.started ??= this.StartBackgroundServicesAsync();
        }
    }

    /// <inheritdoc/>
    public Task StopAsync() => this.StopAsync(isForced: false);

    /// <inheritdoc/>
    /// <remarks>Leases fetched but not yet handed to a dispatcher are released at once for other hosts. Callers may
    /// stop it more than once and at once (a host's shutdown and its owner's dispose): they share one stop.</remarks>
    public Task StopAsync(bool isForced)
    {
        lock (this.lifecycle)
        {
            return this.stopped ??= this.StopBackgroundServicesAsync(this.started);
        }
    }

    /// <inheritdoc/>
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    /// <inheritdoc/>
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => 1;

    /// <inheritdoc/>
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => exception is OperationCanceledException ? 0 : 2;

    /// <inheritdoc/>
    /// <remarks>Stops the service first if nobody did.</remarks>
    public void Dispose()
    {
        this.StopAsync().GetAwaiter().GetResult();
        this.services.Dispose();
        this.stopping.Dispose();
    }

    private async Task StartBackgroundServicesAsync()
    {
        // In order (the migration first), as a host starts them.
        foreach (IHostedService service in this.services.GetServices<IHostedService>())
        {
            await service.StartAsync(CancellationToken.None);
        }
    }

    /// <summary>Stops what <see cref="StartBackgroundServicesAsync"/> started. Best effort: a step that fails (the
    /// database gone at shutdown) is logged, and the rest still stop; the leases left behind expire and are rescued.</summary>
    private async Task StopBackgroundServicesAsync(Task? starting)
    {
        await this.stopping.CancelAsync();
        if (starting is null)
        {
            return;
        }

        await starting.ContinueWith(_ => { }, TaskScheduler.Default); // a start in flight finishes (or fails) first
        foreach (WorkItemLease lease in this.episodeLeases.Drain().Concat(this.activityLeases.Drain()).Concat(this.entityLeases.Drain()))
        {
            await this.BestEffortAsync("release a buffered lease", () => this.leases.ReleaseAsync(lease, CancellationToken.None));
        }

        foreach (IHostedService service in this.services.GetServices<IHostedService>().Reverse())
        {
            await this.BestEffortAsync($"stop {service.GetType().Name}", () => service.StopAsync(CancellationToken.None));
        }
    }

    private async Task BestEffortAsync(string step, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception exception)
        {
            LogStopStepFailed(this.logger, step, exception);
        }
    }

    /// <summary>Waits for a lease from <paramref name="buffer"/> until <paramref name="receiveTimeout"/> passes.</summary>
    /// <param name="limitedWork">Whether limits may hold the work it leases (activities): then an empty lease looks again
    /// as soon as a held item may have a slot or a token (<see cref="WorkItemQueue.NextLimitedAtAsync"/>), since slots
    /// free up in other processes unannounced, rather than after the poll interval.</param>
    private async Task<WorkItemLease?> NextLeaseAsync(
        LeaseBuffer buffer, WakeSignal.Listener wakeUps, int batch, TimeSpan receiveTimeout, CancellationToken cancellationToken, bool limitedWork = false)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, this.stopping.Token);
        DateTimeOffset giveUpAt = this.Deadline(receiveTimeout);
        try
        {
            while (true)
            {
                if (await buffer.TakeAsync(batch, linked.Token) is { } lease)
                {
                    return lease;
                }

                TimeSpan left = giveUpAt - this.time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return null;
                }

                TimeSpan wait = left < this.settings.PollInterval ? left : this.settings.PollInterval;
                if (limitedWork && await this.queue.NextLimitedAtAsync(linked.Token) is { } next && next - this.time.GetUtcNow() < wait)
                {
                    wait = next > this.time.GetUtcNow() ? next - this.time.GetUtcNow() : TimeSpan.Zero;
                }

                await wakeUps.WaitAsync(wait, this.time, linked.Token);
            }
        }
        catch (OperationCanceledException) when (this.stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The orchestrations' work in the store now, for a scaler.</summary>
    public async Task<WorkBacklog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = this.episodes.DataSource.CreateCommand(SqlText.Get("Provider/Sql/CountBacklog.sql"));
        command.Parameters.Add(this.services.GetRequiredService<SqlClock>().Now());
        await using NpgsqlDataReader reader = await command.Positional().ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WorkBacklog(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
            this.settings.MaxConcurrentOrchestrations, this.settings.MaxConcurrentActivities);
    }

    /// <summary>When a wait of <paramref name="timeout"/> from now ends; callers pass <see cref="Timeout.InfiniteTimeSpan"/>
    /// (or <see cref="TimeSpan.MaxValue"/>) for no limit.</summary>
    private DateTimeOffset Deadline(TimeSpan timeout)
    {
        DateTimeOffset now = this.time.GetUtcNow();
        return timeout < TimeSpan.Zero || timeout >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + timeout;
    }

    /// <summary>Renews a lock, or says it was lost (expired and handed on, or its instance terminated).</summary>
    private async Task<DateTime> RenewLockAsync(WorkItemLease lease)
    {
        if (await this.leases.RenewAsync(lease, CancellationToken.None) is not { } renewed)
        {
            throw new LockLostException(lease);
        }

        return renewed.LeaseExpiresAt.UtcDateTime;
    }

    [LoggerMessage(EventId = EventIds.ProviderStopStepFailed, Level = LogLevel.Warning, Message = "TaskFlow orchestration service: could not {Step} while stopping")]
    private static partial void LogStopStepFailed(ILogger logger, string step, Exception exception);
}
