-- 0021: a plain task's first three history events are read from its instance row, as its success is (migration 0020).
-- Submitted, ExecutionStarted and TaskScheduled say only what the row holds from its insert on and never changes for a
-- single-activity task (run_at, idempotency key, tags, name, input, priority, retry policy, time-out, created_at,
-- created_by): submitting wrote them as three more rows and twelve index entries a task, a third of the submit's time.
-- SubmitTasks.sql now sets submission_in_row instead, and taskflow.task_history shows the three with the same sequences
-- (1-3), execution (1), time, actor and payload. A statement that ever changes one of those columns of such a row must
-- first write the three events to taskflow.history and clear submission_in_row.
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
ALTER TABLE taskflow.instances ADD COLUMN submission_in_row boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN taskflow.instances.submission_in_row IS
    'A single-activity task whose Submitted, ExecutionStarted and TaskScheduled are read from this row (taskflow.task_history), not stored in taskflow.history.';

-- A duration as .NET's XmlConvert.ToString(TimeSpan) writes it (TaskScheduled's "timeout" was written so): days, then
-- hours, minutes and seconds, each only when not zero, the fraction without trailing zeros, PT0S for none.
CREATE FUNCTION taskflow.iso_duration(duration interval) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN total = 0 THEN 'PT0S' ELSE
        'P' || CASE WHEN days > 0 THEN days || 'D' ELSE '' END
            || CASE WHEN within_day > 0 THEN 'T'
                   || CASE WHEN hours > 0 THEN hours || 'H' ELSE '' END
                   || CASE WHEN minutes > 0 THEN minutes || 'M' ELSE '' END
                   || CASE WHEN micros > 0 THEN micros / 1000000
                          || CASE WHEN micros % 1000000 > 0 THEN '.' || rtrim(lpad((micros % 1000000)::text, 6, '0'), '0') ELSE '' END
                          || 'S' ELSE '' END
               ELSE '' END
    END
    FROM (SELECT total, total / 86400000000 AS days, total % 86400000000 AS within_day,
                 total % 86400000000 / 3600000000 AS hours, total % 3600000000 / 60000000 AS minutes, total % 60000000 AS micros
          FROM (SELECT (extract(epoch FROM duration) * 1000000)::bigint AS total) AS t) AS parts
$$;

CREATE OR REPLACE VIEW taskflow.task_history AS
SELECT instance_id, sequence, execution, event_type, task_id, attempt, payload, occurred_at, actor
FROM taskflow.history
UNION ALL
SELECT i.id, event.sequence, 1, event.event_type, event.task_id, NULL::int, event.payload, i.created_at, i.created_by
FROM taskflow.instances AS i
CROSS JOIN LATERAL (VALUES
    (1, 'Submitted', NULL::int,
        jsonb_build_object('runAt', i.run_at, 'idempotencyKey', i.idempotency_key, 'tags', i.tags)),
    (2, 'ExecutionStarted', NULL::int,
        jsonb_build_object('name', i.name, 'input', i.input, 'priority', i.priority)),
    (3, 'TaskScheduled', 1,
        jsonb_build_object('name', i.name, 'retry', i.retry_policy, 'timeout', taskflow.iso_duration(i.timeout)))
) AS event (sequence, event_type, task_id, payload)
WHERE i.submission_in_row
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
