-- 0020: a plain task's success is kept in its instance row, and its two last history events are read from there.
-- A single-activity task that succeeds ends with TaskCompleted and ExecutionCompleted, and everything they say is
-- already in the row the completion updates (output, attempt, completed_at) but two things: the worker that recorded the
-- outcome and when the attempt that succeeded began. Those two columns take them, and the completion writes no history
-- rows: in the drain, the two inserts and their index entries were a third of the completion's database time.
-- taskflow.task_history, the documented audit trail (and GET /api/tasks/{id}/history, which reads it), shows the two
-- events exactly as the rows read, with the same sequence numbers, time, actor and payload.
-- A succeeded task's row does not change again (a restart takes failed and cancelled tasks only; a purge or a
-- replacement deletes the row with its history). A statement that ever changes such a row must first write the two
-- events to taskflow.history and clear success_recorded_by.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
ALTER TABLE taskflow.instances
    ADD COLUMN success_recorded_by text,
    ADD COLUMN success_attempt_started_at timestamptz;

COMMENT ON COLUMN taskflow.instances.success_recorded_by IS
    'A succeeded single-activity task''s worker: its TaskCompleted and ExecutionCompleted are read from this row (taskflow.task_history), not stored in taskflow.history.';

CREATE OR REPLACE VIEW taskflow.task_history AS
SELECT instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor
FROM taskflow.history
UNION ALL
SELECT i.id, i.last_sequence - 1 + event.offset_in_outcome, i.execution, event.event_type, event.task_id, event.attempt,
       event.payload, i.completed_at, i.success_recorded_by
FROM taskflow.instances AS i
CROSS JOIN LATERAL (VALUES
    (0, 'TaskCompleted', 1, i.attempt,
        jsonb_build_object('result', i.output, 'startedAt', i.success_attempt_started_at, 'worker', i.success_recorded_by)),
    (1, 'ExecutionCompleted', NULL::int, NULL::int,
        jsonb_build_object('orchestrationStatus', 'Completed', 'output', i.output))
) AS event (offset_in_outcome, event_type, task_id, attempt, payload)
WHERE i.success_recorded_by IS NOT NULL;
