using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TaskFlow.Activities;
using TaskFlow.Activities.BuiltIn;
using TaskFlow.AzureQueues;
using TaskFlow.DurableClient;
using TaskFlow.Database;
using TaskFlow.Dispatch;
using TaskFlow.Dispatch.Doorbells;
using TaskFlow.Instances;
using TaskFlow.Json;
using TaskFlow.Leases;
using TaskFlow.Notifications;
using TaskFlow.Orchestrations;
using TaskFlow.Retention;
using TaskFlow.Schedules;
using TaskFlow.WorkItems;
using TaskFlow.Workers;

namespace TaskFlow;

/// <summary>Adds TaskFlow to a host.</summary>
public static class TaskFlowServiceCollectionExtensions
{
    /// <summary>Adds the TaskFlow client, the schema migration at start-up, and the built-in <c>http</c> task type.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="connectionString">The PostgreSQL connection string (<c>ConnectionStrings:TaskFlow</c>).</param>
    /// <param name="tasks">Registers orchestrators and activities on the Durable Task SDK's registry; the names
    /// they are registered under are the task types callers submit.</param>
    public static TaskFlowBuilder AddTaskFlow(this IServiceCollection services, string connectionString, Action<DurableTaskRegistry>? tasks = null)
    {
        var registry = new DurableTaskRegistry();
        registry.AddActivity<HttpActivity>(HttpActivity.Name);
        registry.AddOrchestrator<ActivityTaskOrchestrator>(ActivityTask.OrchestratorName);
        services.TryAddSingleton(registry);
        services.TryAddSingleton<DataConverter>(new JsonDataConverter(TaskFlowJson.Data));
        services.TryAddSingleton(provider => new DurableTaskShimFactory(
            new DurableTaskWorkerOptions { DataConverter = provider.GetRequiredService<DataConverter>(), EnableEntitySupport = true },
            provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton(provider => new ActivityRegistry(
            provider.GetRequiredService<DurableTaskRegistry>(), provider.GetRequiredService<DataConverter>(), provider));
        services.TryAddSingleton(provider => new OrchestratorRegistry(provider.GetRequiredService<DurableTaskRegistry>(), provider));
        services.TryAddSingleton<TaskTypes>();
        services.TryAddSingleton(provider => new TaskFlowClient(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<SqlClock>(),
            provider.GetRequiredService<OrchestratorRegistry>().Contains,
            provider.GetRequiredService<WorkReadyNotifier>()));
        services.TryAddSingleton<DurableTaskClient>(provider => new TaskFlowDurableTaskClient(
            provider.GetRequiredService<TaskFlowClient>(), provider.GetRequiredService<DataConverter>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<Entities.EntityClient>()));
        services.AddTaskFlowStore(connectionString);
        services.AddOptions<HttpActivityOptions>().BindConfiguration(HttpActivityOptions.Section);
        services.AddOptions<QueueDispatchOptions>().BindConfiguration(QueueDispatchOptions.Section).Validate(
            options => { options.Validate(); return true; });
        services.AddHttpClient(HttpActivity.ClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = (context, token) => DestinationGuard.ConnectAsync(
                    context, provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<HttpActivityOptions>>().Value.AllowedHosts, token),
            });

        tasks?.Invoke(registry);
        return new TaskFlowBuilder(services);
    }

    /// <summary>Makes this process a worker: it leases and runs activities, renews its leases, rescues
    /// expired ones, fires due schedule slots, and heartbeats in <c>taskflow.workers</c>.</summary>
    public static TaskFlowBuilder AddWorker(this TaskFlowBuilder builder)
    {
        IServiceCollection services = AddWorkRunning(builder);
        services.AddHostedService(provider => provider.GetRequiredService<ScheduleFirer>());
        services.AddHostedService(provider => provider.GetRequiredService<CompletionBatcher>());

        // Hosted services stop in reverse order: the dispatcher (added last) drains first, while the lease
        // renewer and the listener still run.
        services.AddHostedService<WorkItemDispatcher>();
        return builder;
    }

    private static IServiceCollection AddWorkRunning(TaskFlowBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.TryAddSingleton<EpisodeReplayer>();
        services.TryAddSingleton<OrchestrationRunner>();
        services.TryAddSingleton(provider => new GroupCommits<Continuation>(group => provider.GetRequiredService<EpisodeStore>().ContinueAsync(group, CancellationToken.None)));
        services.TryAddSingleton(provider => new GroupCommits<EpisodeToCommit>(group => provider.GetRequiredService<EpisodeStore>().CommitAsync(group, CancellationToken.None)));
        services.TryAddSingleton<EntityBatchRunner>();
        services.TryAddSingleton<WorkItemRunner>();
        services.AddLeaseHolding();
        services.AddHostedService<LeaseRenewer>();
        builder.AddMaintenance();
        services.AddHostedService(provider => provider.GetRequiredService<HistoryPurger>());
        return services;
    }

    /// <summary>Adds the scheduler (<see cref="ScheduleFirer"/>) and retention (<see cref="HistoryPurger"/>) without
    /// running them: a worker runs their loops; the Function App's timer function runs one step of each per tick.</summary>
    internal static TaskFlowBuilder AddMaintenance(this TaskFlowBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section);
        services.TryAddSingleton<HistoryPurger>();
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.Section);
        services.TryAddSingleton<ScheduleFirer>();
        return builder;
    }

    /// <summary>Dispatches through Azure Queue Storage (<c>TaskFlow:Dispatch:Mode = azure-queue</c>): this process
    /// rings a doorbell for every work item that becomes ready, and a worker (call <see cref="AddWorker"/> first)
    /// receives doorbells instead of leasing the next ready work itself.</summary>
    public static TaskFlowBuilder AddQueueDispatch(this TaskFlowBuilder builder)
    {
        IServiceCollection services = builder.Services;
        services.TryAddSingleton<IQueueStorage>(provider => CreateQueueStorage(QueueConnectionString(provider)));
        services.TryAddSingleton<DoorbellQueues>();
        services.TryAddSingleton<DoorbellStore>();
        services.TryAddSingleton<DoorbellHandler>();
        services.TryAddSingleton<DoorbellRinger>();
        services.AddHostedService(provider => provider.GetRequiredService<DoorbellRinger>());

        // The queue dispatcher takes the PostgreSQL dispatcher's place in the start and stop order, and the
        // queues are created just before it (and before the ringer).
        int dispatcher = services.IndexOf(services.FirstOrDefault(
            d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(WorkItemDispatcher))!);
        if (dispatcher >= 0)
        {
            services[dispatcher] = ServiceDescriptor.Singleton<IHostedService, QueueDispatcher>();
        }

        services.Insert(dispatcher >= 0 ? dispatcher : services.Count - 1, ServiceDescriptor.Singleton<IHostedService, DoorbellQueueCreation>());

        return builder;
    }

    private static AzureStorageQueues CreateQueueStorage(string connectionString)
    {
        try
        {
            return new AzureStorageQueues(connectionString);
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"The queue connection string ({QueueDispatchOptions.Section}:QueueConnection or AzureWebJobsStorage) is not usable: {exception.Message}", exception);
        }
    }

    private static string QueueConnectionString(IServiceProvider provider)
    {
        string configured = provider.GetRequiredService<IOptions<QueueDispatchOptions>>().Value.QueueConnection;
        return configured is { Length: > 0 }
            ? configured
            : provider.GetRequiredService<IConfiguration>()["AzureWebJobsStorage"] is { Length: > 0 } functions
                ? functions
                : throw new InvalidOperationException(
                    $"{QueueDispatchOptions.Section}:Mode is '{QueueDispatchOptions.AzureQueueMode}' but no queue connection string is set: " +
                    $"set {QueueDispatchOptions.Section}:QueueConnection or AzureWebJobsStorage (\"UseDevelopmentStorage=true\" for Azurite on 127.0.0.1:10001).");
    }
}
