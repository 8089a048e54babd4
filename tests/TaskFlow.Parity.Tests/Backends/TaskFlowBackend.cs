using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TaskFlow.Instances;
using TaskFlow.Orchestrations;
using TaskFlow.Testing;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>TaskFlow: its worker (dispatcher, SDK replay) and its <see cref="DurableTaskClient"/> over a test database.</summary>
public sealed class TaskFlowBackend : IDurableBackend
{
    private static readonly HashSet<string> TaskFlowOwnEvents = ["Submitted", "Cancelled", "Replayed", "TaskRetryScheduled", "OrchestratorStarted", "OrchestratorCompleted"];
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

    public async Task<IReadOnlyList<string>> HistoryKindsAsync(string instanceId)
    {
        IReadOnlyList<HistoryEventRecord> history = await this.host.Services.GetRequiredService<TaskFlowClient>().GetHistoryAsync(instanceId, limit: 100_000);
        int last = history.Max(e => e.Execution);
        return history.Where(e => e.Execution == last && !TaskFlowOwnEvents.Contains(e.EventType)).Select(e => e.EventType).ToList();
    }

    /// <remarks>The episode that last committed records its session just after its commit, so a test that saw the
    /// commit waits for the record before dropping it.</remarks>
    public Task RedeployAsync(string instanceId) => this.host.Services.GetRequiredService<EpisodeReplayer>().ForgetOnceHeldAsync(instanceId);

    public async Task<string> DescribeAsync(string instanceId)
    {
        TaskFlowClient client = this.host.Services.GetRequiredService<TaskFlowClient>();
        TaskRecord? task = await client.GetTaskAsync(instanceId);
        IReadOnlyList<HistoryEventRecord> history = await client.GetHistoryAsync(instanceId, limit: 100_000);
        await using NpgsqlDataSource data = NpgsqlDataSource.Create(this.connectionString);
        await using NpgsqlCommand command = data.CreateCommand(
            "SELECT string_agg(format('%s/%s/%s leased=%s visible=%s wakeups=%s', kind, execution, task_id, lease_token IS NOT NULL, visible_at, wakeups), '; ') FROM taskflow.work_items WHERE instance_id = @id " +
            "UNION ALL SELECT string_agg(format('%s/%s/%s', event_type, execution, task_id), '; ') FROM taskflow.inbox WHERE instance_id = @id");
        command.Parameters.AddWithValue("id", instanceId);
        var found = new List<string?>();
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                found.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
            }
        }

        return $"status {task?.Status}; work items: {found[0]}; inbox: {found[1]}; last events: " +
            string.Join(", ", history.TakeLast(30).Select(e => $"{e.Sequence}:{e.EventType}/{e.TaskId}"));
    }

    public async ValueTask DisposeAsync()
    {
        await this.host.StopAsync();
        this.host.Dispose();
    }
}
