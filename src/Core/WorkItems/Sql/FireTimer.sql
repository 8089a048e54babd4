-- A durable timer's time has come (it was leased, so visible_at passed on the database clock): fenced, so
-- it fires once; TimerFired goes to the inbox and wakes the orchestration.
WITH fired AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING instance_id, execution, task_id, visible_at
)
SELECT taskflow.append_to_inbox(instance_id, execution, 'TimerFired', task_id, NULL,
           jsonb_build_object('fireAt', visible_at), coalesce(@now, now()), @worker_id, true)
FROM fired;
