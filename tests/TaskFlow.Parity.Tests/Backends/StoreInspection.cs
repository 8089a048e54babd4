using Npgsql;
using TaskFlow.Instances;

namespace TaskFlow.Parity.Tests.Backends;

/// <summary>What TaskFlow's store holds of an instance, for the backends that keep it there.</summary>
internal static class StoreInspection
{
    private static readonly HashSet<string> TaskFlowOwnEvents = ["Submitted", "Cancelled", "Replayed", "TaskRetryScheduled", "OrchestratorStarted", "OrchestratorCompleted"];

    public static async Task<IReadOnlyList<string>> HistoryKindsAsync(TaskFlowClient client, string instanceId)
    {
        IReadOnlyList<HistoryEventRecord> history = await client.GetHistoryAsync(instanceId, limit: 100_000);
        int last = history.Max(e => e.Execution);
        return history.Where(e => e.Execution == last && !TaskFlowOwnEvents.Contains(e.EventType)).Select(e => e.EventType).ToList();
    }

    public static async Task<string> DescribeAsync(TaskFlowClient client, string connectionString, string instanceId)
    {
        TaskRecord? task = await client.GetTaskAsync(instanceId);
        IReadOnlyList<HistoryEventRecord> history = await client.GetHistoryAsync(instanceId, limit: 100_000);
        await using NpgsqlDataSource data = NpgsqlDataSource.Create(connectionString);
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
}
