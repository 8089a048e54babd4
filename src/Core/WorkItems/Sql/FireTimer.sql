-- A durable timer's time has come (it was leased, so visible_at passed on the database clock): fenced, so
-- it fires once; TimerFired goes to the inbox and wakes the orchestration. A timer with an input holds a message
-- due to an entity later (send_to_entity, migration 0015): the message goes to the entity's inbox instead.
WITH fired AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING instance_id, execution, task_id, visible_at, input
)
SELECT taskflow.append_to_inbox(instance_id, execution,
           CASE WHEN input IS NULL THEN 'TimerFired' ELSE 'EventRaised' END,
           CASE WHEN input IS NULL THEN task_id END, NULL,
           coalesce(input, jsonb_build_object('fireAt', visible_at)), coalesce(@now, now()), @worker_id, true)
FROM fired;
