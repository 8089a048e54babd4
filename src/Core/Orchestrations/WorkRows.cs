using Npgsql;

namespace TaskFlow.Orchestrations;

/// <summary>Work item rows for one InsertWorkItems.sql statement.</summary>
internal sealed class WorkRows
{
    private readonly List<(string Kind, int TaskId, string Name, string? Input, string Retry, int MaxAttempts, DateTimeOffset? VisibleAt)> rows = [];

    public int Count => this.rows.Count;

    public void Add(string kind, int taskId, string name, string? input, string retry, int maxAttempts, DateTimeOffset? visibleAt) =>
        this.rows.Add((kind, taskId, name, input, retry, maxAttempts, visibleAt));

    public void AddTo(NpgsqlBatchCommand command, string instanceId, int execution, int priority)
    {
        command.Parameters.AddWithValue("instance_id", instanceId);
        command.Parameters.AddWithValue("execution", execution);
        command.Parameters.AddWithValue("priority", (short)priority);
        command.Parameters.AddWithValue("kinds", this.rows.Select(r => r.Kind).ToArray());
        command.Parameters.AddWithValue("task_ids", this.rows.Select(r => r.TaskId).ToArray());
        command.Parameters.AddWithValue("names", this.rows.Select(r => r.Name).ToArray());
        command.Parameters.AddWithValue("inputs", this.rows.Select(r => r.Input).ToArray());
        command.Parameters.AddWithValue("retry_policies", this.rows.Select(r => r.Retry).ToArray());
        command.Parameters.AddWithValue("max_attempts", this.rows.Select(r => r.MaxAttempts).ToArray());
        command.Parameters.AddWithValue("visible_ats", this.rows.Select(r => r.VisibleAt).ToArray());
    }
}
