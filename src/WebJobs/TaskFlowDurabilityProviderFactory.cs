using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json;
using TaskFlow.Database;
using TaskFlow.Leases;
using TaskFlow.Provider;

namespace TaskFlow.WebJobs;

/// <summary>Creates TaskFlow's durability provider when host.json names it: <c>"extensions": {"durableTask":
/// {"storageProvider": {"type": "TaskFlow", "connectionStringName": "TaskFlow"}}}</c>. One provider (one orchestration
/// service, one connection pool) serves the host's triggers and its clients.</summary>
internal sealed class TaskFlowDurabilityProviderFactory : IDurabilityProviderFactory
{
    public const string ProviderName = "TaskFlow";
    private readonly Lazy<TaskFlowDurabilityProvider> provider;
    private bool separateEntityQueue;

    public TaskFlowDurabilityProviderFactory(IOptions<DurableTaskOptions> extensionOptions, IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        this.provider = new(() =>
        {
            TaskFlowDurabilityProvider created = Create(extensionOptions.Value, configuration, loggerFactory);
            created.SetUseSeparateQueueForEntityWorkItems(this.separateEntityQueue);
            return created;
        });
    }

    public string Name => ProviderName;

    public DurabilityProvider GetDurabilityProvider() => this.provider.Value;

    /// <remarks>A client attribute's own task hub or connection is not supported: one database is one task hub.</remarks>
    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute) => this.provider.Value;

    /// <summary>The Durable extension asks the factory at start-up whether entities' work items go on a queue of their
    /// own: yes for the isolated worker's gRPC protocol (the Durable Task Framework's entity dispatcher fetches them),
    /// no for in-process apps (entities run through the orchestration dispatcher). Kept for the provider it creates.</summary>
    public void SetUseSeparateQueueForEntityWorkItems(bool newValue)
    {
        this.separateEntityQueue = newValue;
        if (this.provider.IsValueCreated)
        {
            this.provider.Value.SetUseSeparateQueueForEntityWorkItems(newValue);
        }
    }

    private static TaskFlowDurabilityProvider Create(DurableTaskOptions extension, IConfiguration configuration, ILoggerFactory loggerFactory)
    {
        var options = new TaskFlowDurabilityOptions();
        JsonConvert.PopulateObject(JsonConvert.SerializeObject(extension.StorageProvider), options);
        // host.json's storageProvider.connectionStringName may name another setting than the Function App's default.
        string connectionString = ConnectionSettings.Read(configuration, options.ConnectionStringName);
        var service = new TaskFlowOrchestrationService(
            new TaskFlowOrchestrationServiceSettings
            {
                ConnectionString = connectionString,
                MaxConcurrentOrchestrations = extension.MaxConcurrentOrchestratorFunctions ?? 10 * Environment.ProcessorCount,
                MaxConcurrentActivities = extension.MaxConcurrentActivityFunctions ?? 10 * Environment.ProcessorCount,
                MaxConcurrentEntities = extension.MaxConcurrentEntityFunctions ?? 10 * Environment.ProcessorCount,
                MaxEntityOperationBatchSize = extension.MaxEntityOperationBatchSize ?? 5000,
                Lease = new LeaseOptions { Duration = options.LockDuration },
                PollInterval = options.PollInterval,

                // The extension turns these off itself where they cannot apply (an isolated worker's app).
                ExtendedSessionsEnabled = extension.ExtendedSessionsEnabled,
                ExtendedSessionIdleTimeout = TimeSpan.FromSeconds(Math.Max(extension.ExtendedSessionIdleTimeoutInSeconds, 0)),
            },
            loggerFactory);
        return new TaskFlowDurabilityProvider(service, options);
    }
}
