using Xunit;

namespace TaskFlow.Testing;

/// <summary>The invariants of RELIABILITY.md, as SQL that must return no rows once every task has ended.</summary>
public static class ReliabilityInvariants
{
    public static async Task AssertHoldAsync(PostgresDatabase database)
    {
        // Every task ended exactly once (a Durable entity does not end: it waits for its next message).
        Assert.Empty(await database.ColumnAsync("""
            SELECT i.id FROM taskflow.instances AS i
            LEFT JOIN taskflow.task_history AS h
              ON h.instance_id = i.id AND h.event_type = 'ExecutionCompleted'
            WHERE i.kind <> 'entity'
            GROUP BY i.id HAVING count(h.sequence) <> 1
            """));

        // No request read twice by an entity.
        Assert.Empty(await database.ColumnAsync("""
            SELECT instance_id FROM taskflow.entity_operations GROUP BY instance_id, request_id HAVING count(*) > 1
            """));

        // No activity's success recorded twice.
        Assert.Empty(await database.ColumnAsync("""
            SELECT instance_id FROM taskflow.task_history WHERE event_type = 'TaskCompleted'
            GROUP BY instance_id, execution, task_id HAVING count(*) > 1
            """));

        // History sequences have no gaps.
        Assert.Empty(await database.ColumnAsync("""
            SELECT instance_id FROM taskflow.task_history GROUP BY instance_id HAVING max(sequence) <> count(*)
            """));
    }
}
