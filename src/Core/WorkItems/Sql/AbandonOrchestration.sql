-- An orchestration whose episodes keep losing their worker (attempts exhausted): it fails instead of
-- crashing workers forever. Fenced by the expired lease; its other work goes with it.
WITH stuck AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token AND lease_expires_at < coalesce(@now, now())
    RETURNING instance_id
), others AS (
    DELETE FROM taskflow.work_items AS w
    USING stuck
    WHERE w.instance_id = stuck.instance_id AND w.id <> @work_item_id
), failed AS (
    UPDATE taskflow.instances AS i
    SET status = 'failed', error = @failure::jsonb, completed_at = coalesce(@now, now()),
        updated_at = coalesce(@now, now()), last_sequence = i.last_sequence + 1
    FROM stuck
    WHERE i.id = stuck.instance_id AND i.status = ANY (taskflow.runnable_statuses())
    RETURNING i.id, i.execution, i.last_sequence
)
INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
SELECT id, last_sequence, execution, 'ExecutionCompleted', jsonb_build_object('orchestrationStatus', 'Failed', 'error', @failure::jsonb), coalesce(@now, now()), @actor
FROM failed;
