-- Second step of a cancel: the instance ends 'cancelled' with Cancelled (the caller's action), then
-- ExecutionTerminated and ExecutionCompleted (orchestrationStatus Terminated), as a Durable Task history ends,
-- and shows the output the caller gave (Durable Task's terminate output), if any. No row when the task is unknown
-- or already finished.
WITH cancelled AS (
    UPDATE taskflow.instances
    SET status = 'cancelled',
        output = @output::jsonb,
        completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()),
        last_sequence = last_sequence + 3
    WHERE id = @id AND status = ANY (taskflow.unfinished_statuses())
    RETURNING id, execution, last_sequence
)
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
SELECT id, last_sequence - 2, execution, 'Cancelled', jsonb_build_object('reason', @reason::text), coalesce(@now, now()), @actor
FROM cancelled
UNION ALL
SELECT id, last_sequence - 1, execution, 'ExecutionTerminated', jsonb_build_object('reason', @reason::text), coalesce(@now, now()), @actor
FROM cancelled
UNION ALL
SELECT id, last_sequence, execution, 'ExecutionCompleted',
       jsonb_build_object('orchestrationStatus', 'Terminated', 'output', @output::jsonb), coalesce(@now, now()), @actor
FROM cancelled
RETURNING instance_id;
