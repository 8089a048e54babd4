using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>TaskFlow: its worker (dispatcher, SDK replay) and its <see cref="DurableTaskClient"/> over a test database.</summary>
public sealed class TaskFlowBackend : IDurableBackend
{
    private readonly IHost host;

    private readonly string connectionString;

    private TaskFlowBackend(IHost host, string connectionString)
    {
        this.host = host;
        this.connectionString = connectionString;
        this.Client = host.Services.GetRequiredService<DurableTaskClient>();
    }

    public string Name => "TaskFlow";

    public DurableTaskClient Client { get; }

    public static async Task<TaskFlowBackend> StartAsync(Action<DurableTaskRegistry> tasks, string connectionString)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(TaskFlowServer.FastWorkerSettings);
        builder.Logging.ClearProviders();
        builder.Services.AddTaskFlow(connectionString, tasks).AddWorker();
        IHost host = builder.Build();
        await host.StartAsync();
        return new TaskFlowBackend(host, connectionString);
    }

    public Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId) =>
        StoreInspection.HistoryKindsAsync(this.host.Services.GetRequiredService<TaskFlowClient>(), instanceId);

    /// <remarks>The episode that last committed records its session just after its commit, so a test that saw the
    /// commit waits for the record before dropping it.</remarks>
    public Task RedeployAsync(string instanceId) => this.host.Services.GetRequiredService<EpisodeReplayer>().ForgetOnceHeldAsync(instanceId);

    public Task<string> DescribeAsync(string instanceId) =>
        StoreInspection.DescribeAsync(this.host.Services.GetRequiredService<TaskFlowClient>(), this.connectionString, instanceId);

    public async ValueTask DisposeAsync()
    {
        await this.host.StopAsync();
        this.host.Dispose();
    }
}
