using Npgsql;

namespace TaskFlow.Orchestrations;

/// <summary>History rows for one AppendHistory.sql statement, numbered on from the instance's last sequence.</summary>
internal sealed class HistoryRows(string instanceId, int lastSequence)
{
    private readonly List<(int Sequence, int Execution, string Type, int? TaskId, int? Attempt, string? Payload, DateTimeOffset? At, string? Actor)> rows = [];

    public int LastSequence { get; private set; } = lastSequence;

    public void Add(int execution, string type, int? taskId, int? attempt, string? payload, DateTimeOffset? at, string? actor) =>
        this.rows.Add((++this.LastSequence, execution, type, taskId, attempt, payload, at, actor));

    public void AddTo(NpgsqlBatchCommand command)
    {
        command.Parameters.AddWithValue("instance_id", instanceId);
        command.Parameters.AddWithValue("sequences", this.rows.Select(r => r.Sequence).ToArray());
        command.Parameters.AddWithValue("executions", this.rows.Select(r => r.Execution).ToArray());
        command.Parameters.AddWithValue("event_types", this.rows.Select(r => r.Type).ToArray());
        command.Parameters.AddWithValue("task_ids", this.rows.Select(r => r.TaskId).ToArray());
        command.Parameters.AddWithValue("attempts", this.rows.Select(r => r.Attempt).ToArray());
        command.Parameters.AddWithValue("payloads", this.rows.Select(r => r.Payload).ToArray());
        command.Parameters.AddWithValue("occurred_ats", this.rows.Select(r => r.At).ToArray());
        command.Parameters.AddWithValue("actors", this.rows.Select(r => r.Actor).ToArray());
    }
}
