-- 0009: waking an orchestration no longer sends a NOTIFY from inside the transaction. PostgreSQL serializes
-- the commits of all transactions that sent a NOTIFY (one database-wide lock, held through the commit's WAL
-- flush), which under load turned every episode commit and activity completion into a queue of fsyncs. The
-- caller now rings the workers after its commit, coalesced (WorkReadyNotifier).
CREATE OR REPLACE FUNCTION taskflow.wake_orchestration(p_instance_id uuid, p_execution int, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taskflow.work_items (instance_id, execution, kind, task_id, name, priority, retry_policy, max_attempts, visible_at, created_at)
    SELECT id, execution, 'orchestration', 0, name, priority, '{"maxAttempts":10}', 10, p_now, p_now
    FROM taskflow.instances
    WHERE id = p_instance_id AND execution = p_execution AND status IN ('pending', 'running')
    ON CONFLICT (instance_id, execution, kind, task_id) DO UPDATE
    SET wakeups = taskflow.work_items.wakeups + 1,
        visible_at = least(taskflow.work_items.visible_at, excluded.visible_at);
END;
$$;
