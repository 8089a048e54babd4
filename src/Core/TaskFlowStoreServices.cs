using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Instances;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Schedules;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow;

/// <summary>The store's services, without the Durable Task SDK: what both hosts of TaskFlow's work need (the server,
/// with <c>AddTaskFlow</c> on top, and the storage provider inside the
/// Functions host, whose .NET 8 build does not carry the SDK; see TaskFlow.Core.csproj).</summary>
internal static class TaskFlowStoreServices
{
    public static IServiceCollection AddTaskFlowStore(this IServiceCollection services, string connectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        // A host registers its configuration first; without one (the Durable provider, tests) every setting keeps its default.
        services.TryAddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.TryAddSingleton(provider => new SqlClock(provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(_ => TaskFlowDataSource.Create(connectionString));
        services.TryAddSingleton<Migrator>();
        services.TryAddSingleton<WakeSignal>(); // the process's dispatchers, if it runs any: a ring wakes them directly
        services.TryAddSingleton<WorkReadyNotifier>();
        services.TryAddSingleton<WorkItemQueue>();
        services.TryAddSingleton<WorkItemLeases>();
        services.TryAddSingleton(provider => new TaskFlowClient(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<SqlClock>(), notifier: provider.GetRequiredService<WorkReadyNotifier>()));
        services.TryAddSingleton(provider => new Entities.EntityClient(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<SqlClock>(), provider.GetRequiredService<WorkReadyNotifier>()));
        services.TryAddSingleton<WorkerIdentity>();
        services.TryAddSingleton(provider => new Security.ApiKeyStore(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<SqlClock>()));
        services.TryAddSingleton<WorkerDirectory>();
        services.TryAddSingleton(provider => new Limits.LimitStore(provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<SqlClock>()));
        services.TryAddSingleton(provider => new ScheduleClient(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<SqlClock>(), provider.GetRequiredService<TaskFlowClient>()));

        // Runs before every other hosted service (they start in registration order), so no worker touches
        // a table that is not there yet.
        if (!services.Any(d => d.ImplementationType == typeof(DatabaseMigrationService)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>());
            services.Insert(1, ServiceDescriptor.Singleton<IHostedService, Limits.DeclaredLimits>()); // once the tables are there
        }

        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section);
        // Bound in every role: API processes read the heartbeat interval to tell lost workers.
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).Validate(
            options => { options.Validate(); return true; });
        services.AddOptions<Limits.LimitsOptions>().BindConfiguration(Limits.LimitsOptions.Section).Validate(
            options => { options.Validate(); return true; }).ValidateOnStart();
        services.AddOptions<LeaseOptions>().BindConfiguration(LeaseOptions.Section).Validate<IConfiguration>(
            (options, configuration) => { options.Validate(configuration); return true; });
        return services;
    }

    /// <summary>What every process that leases work runs beside its dispatchers (the server's worker and the Durable
    /// provider): its row and heartbeat in <c>taskflow.workers</c>, the LISTEN connection that wakes the dispatchers and
    /// cancels running work, the rescuer of expired leases, and the activity completion batcher (started by the caller,
    /// where its stop order needs it).</summary>
    public static IServiceCollection AddLeaseHolding(this IServiceCollection services)
    {
        services.TryAddSingleton<RunningWorkItems>();
        services.TryAddSingleton<EpisodeStore>();
        services.TryAddSingleton<LeaseRescuer>();
        services.TryAddSingleton<CompletionBatcher>();
        services.AddHostedService<WorkerRegistry>();
        services.AddHostedService<NotificationListener>();
        services.AddHostedService(provider => provider.GetRequiredService<LeaseRescuer>());
        return services;
    }
}
