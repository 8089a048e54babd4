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
    private static readonly HashSet<string> TaskFlowOwnEvents = ["Submitted", "Cancelled", "Replayed", "TaskRetryScheduled", "OrchestratorStarted", "OrchestratorCompleted"];
    private readonly IHost host;

    private TaskFlowBackend(IHost host)
    {
        this.host = host;
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
        return new TaskFlowBackend(host);
    }

    public async Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId)
    {
        IReadOnlyList<HistoryEventRecord> history = await this.host.Services.GetRequiredService<TaskFlowClient>().GetHistoryAsync(Guid.Parse(instanceId), limit: 100_000);
        int last = history.Max(e => e.Execution);
        return history.Where(e => e.Execution == last && !TaskFlowOwnEvents.Contains(e.EventType)).Select(e => e.EventType).ToList();
    }

    public void Redeploy(string instanceId) => this.host.Services.GetRequiredService<EpisodeReplayer>().Forget(Guid.Parse(instanceId));

    public async ValueTask DisposeAsync()
    {
        await this.host.StopAsync();
        this.host.Dispose();
    }
}
