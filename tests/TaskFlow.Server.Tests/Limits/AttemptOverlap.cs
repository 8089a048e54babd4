using TaskFlow.Testing;

namespace TaskFlow.Server.Tests.Limits;

/// <summary>What the audit trail says about limits: each attempt holds its slot from its lease (<c>startedAt</c> in its
/// outcome's payload) to its outcome (<c>occurred_at</c>).</summary>
internal static class AttemptOverlap
{
    /// <summary>The most attempts running at one moment among the outcomes <paramref name="outcomes"/> selects (a
    /// condition on <c>taskflow.task_history AS h</c> joined to <c>taskflow.instances AS i</c>).</summary>
    public static Task<long> MaxRunningAsync(PostgresDatabase database, string outcomes, params (string Name, object Value)[] parameters) =>
        database.ScalarAsync<long>($"""
            WITH attempts AS (
                SELECT (h.payload ->> 'startedAt')::timestamptz AS started, h.occurred_at AS ended
                FROM taskflow.task_history AS h
                JOIN taskflow.instances AS i ON i.id = h.instance_id
                WHERE h.event_type IN ('TaskCompleted', 'TaskFailed') AND ({outcomes})
            ), edges AS (
                SELECT started AS at, 1 AS delta FROM attempts
                UNION ALL
                SELECT ended, -1 FROM attempts
            )
            SELECT coalesce(max(running), 0) FROM (SELECT sum(delta) OVER (ORDER BY at, delta) AS running FROM edges) AS s
            """, parameters);
}
