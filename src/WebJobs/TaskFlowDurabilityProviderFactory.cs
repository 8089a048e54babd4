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
internal sealed class TaskFlowDurabilityProviderFactory(IOptions<DurableTaskOptions> extensionOptions, IConfiguration configuration, ILoggerFactory loggerFactory)
    : IDurabilityProviderFactory
{
    public const string ProviderName = "TaskFlow";
    private readonly Lazy<TaskFlowDurabilityProvider> provider = new(() => Create(extensionOptions.Value, configuration, loggerFactory));

    public string Name => ProviderName;

    public DurabilityProvider GetDurabilityProvider() => this.provider.Value;

    /// <remarks>A client attribute's own task hub or connection is not supported: one database is one task hub.</remarks>
    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute) => this.provider.Value;

    /// <summary>The Durable extension asks every provider factory at start-up (for the isolated worker's gRPC protocol)
    /// to put entity work items on a queue of their own. TaskFlow runs no entities (a call to one fails the orchestration
    /// with a message saying so), so there is no queue to choose; the interface's default throws NotImplementedException,
    /// which the extension logs with its stack trace at every start.</summary>
    public void SetUseSeparateQueueForEntityWorkItems(bool newValue)
    {
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
