using Npgsql;
using TaskFlow.Database;

namespace TaskFlow.Orchestrations;

/// <summary>An episode's history rows, numbered on from its instance's last sequence, for AppendHistory.sql.</summary>
internal sealed class HistoryRows(string instanceId, int lastSequence)
{
    private readonly List<(int Sequence, int Execution, string Type, int? TaskId, int? Attempt, string? Payload, DateTimeOffset? At, string? Actor)> rows = [];

    public string InstanceId { get; } = instanceId;

    public int LastSequence { get; private set; } = lastSequence;

    public void Add(int execution, string type, int? taskId, int? attempt, string? payload, DateTimeOffset? at, string? actor) =>
        this.rows.Add((++this.LastSequence, execution, type, taskId, attempt, payload, at, actor));

    /// <summary>One AppendHistory.sql statement for the rows of all <paramref name="episodes"/>.</summary>
    public static NpgsqlBatchCommand Command(IReadOnlyList<HistoryRows> episodes, NpgsqlParameter now)
    {
        var all = episodes.SelectMany(e => e.rows.Select(r => (e.InstanceId, Row: r))).ToList();
        var command = new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/AppendHistory.sql")) { Parameters = { now } };
        command.Parameters.AddWithValue("instance_ids", all.Select(r => r.InstanceId).ToArray());
        command.Parameters.AddWithValue("sequences", all.Select(r => r.Row.Sequence).ToArray());
        command.Parameters.AddWithValue("executions", all.Select(r => r.Row.Execution).ToArray());
        command.Parameters.AddWithValue("event_types", all.Select(r => r.Row.Type).ToArray());
        command.Parameters.AddWithValue("task_ids", all.Select(r => r.Row.TaskId).ToArray());
        command.Parameters.AddWithValue("attempts", all.Select(r => r.Row.Attempt).ToArray());
        command.Parameters.AddWithValue("payloads", all.Select(r => r.Row.Payload).ToArray());
        command.Parameters.AddWithValue("occurred_ats", all.Select(r => r.Row.At).ToArray());
        command.Parameters.AddWithValue("actors", all.Select(r => r.Row.Actor).ToArray());
        return command;
    }
}
