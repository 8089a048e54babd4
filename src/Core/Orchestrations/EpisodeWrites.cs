using Npgsql;
using NpgsqlTypes;
using TaskFlow.Database;

namespace TaskFlow.Orchestrations;

/// <summary>The writes every episode of a commit makes, one statement each for all of the commit's episodes: their
/// history (AppendHistory.sql), their instances' new state (UpdateOrchestration.sql) and the one activity each hands to
/// its worker (InsertLeasedActivity.sql). A group of continuations commits tens of episodes in one round trip; written
/// one statement per episode, each statement paid PostgreSQL's fixed cost (the executor's start, the table's checks and
/// its partial indexes' predicates prepared again) for the one or four rows it wrote (docs/benchmarks.md).</summary>
/// <remarks>Statements an episode makes besides these (children started, the end of an execution's other work, events
/// sent, a parent notified) keep their own, in the episode's order, after the instance's update
/// (<see cref="AddTo"/>).</remarks>
internal sealed class EpisodeWrites
{
    private readonly List<HistoryRows> histories = [];
    private readonly List<InstanceUpdate> updates = [];
    private readonly List<LeasedActivity> leased = [];

    /// <summary>The episodes' other statements, in order: they follow the instances' update.</summary>
    public List<NpgsqlBatchCommand> After { get; } = [];

    public void AddHistory(HistoryRows rows) => this.histories.Add(rows);

    public void AddUpdate(InstanceUpdate update) => this.updates.Add(update);

    public void AddLeasedActivity(LeasedActivity activity) => this.leased.Add(activity);

    /// <summary>Adds the merged statements to <paramref name="batch"/>, then the episodes' other statements (<see cref="After"/>).</summary>
    /// <param name="leaseOwner">The worker that runs the episodes, to whom the activities are leased.</param>
    public void AddTo(NpgsqlBatch batch, SqlClock clock, string leaseOwner, TimeSpan leaseDuration, string retryPolicy, int maxAttempts)
    {
        if (this.histories.Count > 0)
        {
            batch.BatchCommands.Add(HistoryRows.Command(this.histories, clock.Now()));
        }

        if (this.updates.Count > 0)
        {
            batch.BatchCommands.Add(this.UpdateCommand(clock.Now()));
        }

        if (this.leased.Count > 0)
        {
            batch.BatchCommands.Add(this.LeaseCommand(clock.Now(), leaseOwner, leaseDuration, retryPolicy, maxAttempts));
        }

        foreach (NpgsqlBatchCommand command in this.After)
        {
            batch.BatchCommands.Add(command);
        }
    }

    private NpgsqlBatchCommand UpdateCommand(NpgsqlParameter now)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/UpdateOrchestration.sql")) { Parameters = { now } };
        command.Parameters.AddWithValue("instance_ids", this.updates.Select(u => u.InstanceId).ToArray());
        command.Parameters.AddWithValue("statuses", this.updates.Select(u => u.Status).ToArray());
        command.Parameters.AddWithValue("executions", this.updates.Select(u => u.Execution).ToArray());
        command.Parameters.AddWithValue("replace_inputs", this.updates.Select(u => u.ReplaceInput).ToArray());
        command.Parameters.Add(Texts("inputs", this.updates.Select(u => u.InputJson)));
        command.Parameters.Add(Texts("outputs", this.updates.Select(u => u.OutputJson)));
        command.Parameters.Add(Texts("errors", this.updates.Select(u => u.ErrorJson)));
        command.Parameters.AddWithValue("custom_status_changes", this.updates.Select(u => u.CustomStatusChanged).ToArray());
        command.Parameters.Add(Texts("custom_statuses", this.updates.Select(u => u.CustomStatusJson)));
        command.Parameters.AddWithValue("last_sequences", this.updates.Select(u => u.LastSequence).ToArray());
        command.Parameters.AddWithValue("previous_sequences", this.updates.Select(u => u.PreviousSequence).ToArray());
        return command;
    }

    private NpgsqlBatchCommand LeaseCommand(NpgsqlParameter now, string leaseOwner, TimeSpan leaseDuration, string retryPolicy, int maxAttempts)
    {
        var command = new NpgsqlBatchCommand(SqlText.Get("Orchestrations/Sql/InsertLeasedActivity.sql")) { Parameters = { now } };
        command.Parameters.AddWithValue("instance_ids", this.leased.Select(a => a.InstanceId).ToArray());
        command.Parameters.AddWithValue("executions", this.leased.Select(a => a.Execution).ToArray());
        command.Parameters.AddWithValue("task_ids", this.leased.Select(a => a.TaskId).ToArray());
        command.Parameters.AddWithValue("names", this.leased.Select(a => a.Name).ToArray());
        command.Parameters.Add(Texts("inputs", this.leased.Select(a => a.InputJson)));
        command.Parameters.AddWithValue("priorities", this.leased.Select(a => (short)a.Priority).ToArray());
        command.Parameters.AddWithValue("retry_policy", retryPolicy);
        command.Parameters.AddWithValue("max_attempts", maxAttempts);
        command.Parameters.AddWithValue("worker_id", leaseOwner);
        command.Parameters.AddWithValue("lease_duration", leaseDuration);
        return command;
    }

    // Typed: an array of nulls alone says nothing of its elements' type.
    private static NpgsqlParameter Texts(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };

    /// <summary>An instance's state after its episode: UpdateOrchestration.sql's row.</summary>
    internal sealed record InstanceUpdate(
        string InstanceId, string Status, int Execution, bool ReplaceInput, string? InputJson, string? OutputJson, string? ErrorJson,
        bool CustomStatusChanged, string? CustomStatusJson, int LastSequence, int PreviousSequence);

    /// <summary>The one activity an episode hands to its worker: InsertLeasedActivity.sql's row.</summary>
    internal sealed record LeasedActivity(string InstanceId, int Execution, int TaskId, string Name, string? InputJson, int Priority);
}
