using System.Text.Json;
using Microsoft.DurableTask;
using Npgsql;
using TaskFlow.Database;
using TaskFlow.Instances;
using TaskFlow.Provider;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>TaskFlow as a Durable Task Framework backend: the sidecar's dispatchers over
/// <see cref="TaskFlowOrchestrationService"/> and PostgreSQL, with the real gRPC worker and client.</summary>
public sealed class ProviderBackend : SidecarBackend
{
    private readonly TaskFlowOrchestrationService service;
    private readonly NpgsqlDataSource data;
    private readonly TaskFlowClient store;
    private readonly string connectionString;

    private ProviderBackend(Sidecar parts, TaskFlowOrchestrationService service, string connectionString)
        : base(parts)
    {
        this.service = service;
        this.connectionString = connectionString;
        this.data = NpgsqlDataSource.Create(connectionString);
        this.store = new TaskFlowClient(this.data, new SqlClock(TimeProvider.System));
    }

    public override string Name => "TaskFlow provider (TaskFlowOrchestrationService)";

    public static async Task<ProviderBackend> StartAsync(Action<DurableTaskRegistry> tasks, JsonSerializerOptions json, string connectionString)
    {
        var service = new TaskFlowOrchestrationService(new TaskFlowOrchestrationServiceSettings
        {
            ConnectionString = connectionString,
            MaxConcurrentOrchestrations = 16,
            MaxConcurrentActivities = 32,
            PollInterval = TimeSpan.FromMilliseconds(200),
        });
        return new ProviderBackend(await StartSidecarAsync(service, service, tasks, json), service, connectionString);
    }

    public override Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId) => StoreInspection.HistoryKindsAsync(this.store, instanceId);

    public override Task<string> DescribeAsync(string instanceId) => StoreInspection.DescribeAsync(this.store, this.connectionString, instanceId);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await this.service.StopAsync();
        this.service.Dispose();
        await this.data.DisposeAsync();
    }
}
