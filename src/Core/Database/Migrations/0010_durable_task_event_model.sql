-- 0010: the history speaks the Durable Task event model (orchestrations are now replayed by the Durable Task
-- SDK's own runner). What happens to existing rows:
-- * Event kinds are renamed to the SDK's: SubOrchestrationCreated/Completed/Failed become
--   SubOrchestrationInstanceCreated/Completed/Failed; ContinuedAsNew becomes ContinueAsNew; ExecutionFailed becomes
--   ExecutionCompleted with orchestrationStatus 'Failed'; ExecutionCompleted gains orchestrationStatus 'Completed'.
--   Payload fields are kept; the inbox is renamed the same way.
-- * Orchestrations still unfinished were recorded by the version 1 engine, whose action ids and episodes the SDK
--   cannot replay. They end 'failed' with TaskFlow.EngineUpgraded (history: ExecutionCompleted, actor 'migration'),
--   their work items and inbox go; POST /api/tasks/{id}/retry runs one again from its input. Single-activity
--   tasks, finished tasks and schedules are untouched.
-- * Every execution now ends with one ExecutionCompleted (a cancel writes ExecutionTerminated, then ExecutionCompleted
--   with orchestrationStatus 'Terminated'), so the one-terminal-event index counts ExecutionCompleted alone. Executions
--   cancelled before this migration keep ExecutionTerminated as their last event.
-- Forward only: never edit this file once merged; add the next number instead.

UPDATE taskflow.history SET event_type = 'SubOrchestrationInstanceCreated' WHERE event_type = 'SubOrchestrationCreated';
UPDATE taskflow.history SET event_type = 'SubOrchestrationInstanceCompleted' WHERE event_type = 'SubOrchestrationCompleted';
UPDATE taskflow.history SET event_type = 'SubOrchestrationInstanceFailed' WHERE event_type = 'SubOrchestrationFailed';
UPDATE taskflow.history SET event_type = 'ContinueAsNew' WHERE event_type = 'ContinuedAsNew';
UPDATE taskflow.history
SET event_type = 'ExecutionCompleted',
    payload = coalesce(payload, '{}') || jsonb_build_object('orchestrationStatus', CASE event_type WHEN 'ExecutionFailed' THEN 'Failed' ELSE 'Completed' END)
WHERE event_type IN ('ExecutionCompleted', 'ExecutionFailed');

DROP INDEX taskflow.history_one_terminal_event_per_execution;
CREATE UNIQUE INDEX history_one_terminal_event_per_execution ON taskflow.history (instance_id, execution)
    WHERE event_type = 'ExecutionCompleted';

UPDATE taskflow.inbox SET event_type = 'SubOrchestrationInstanceCompleted' WHERE event_type = 'SubOrchestrationCompleted';
UPDATE taskflow.inbox SET event_type = 'SubOrchestrationInstanceFailed' WHERE event_type = 'SubOrchestrationFailed';

WITH stranded AS (
    UPDATE taskflow.instances
    SET status = 'failed',
        error = '{"type":"TaskFlow.EngineUpgraded","message":"This orchestration was started by TaskFlow 1, whose history the Durable Task SDK cannot replay. Retry it (POST /api/tasks/{id}/retry) to run it again from its input.","nonRetryable":true}',
        completed_at = now(),
        updated_at = now(),
        last_sequence = last_sequence + 1
    WHERE kind = 'orchestration' AND status IN ('pending', 'running', 'suspended')
    RETURNING id, execution, last_sequence, error
), recorded AS (
    INSERT INTO taskflow.history (instance_id, sequence, execution, event_type, payload, occurred_at, actor)
    SELECT id, last_sequence, execution, 'ExecutionCompleted',
           jsonb_build_object('orchestrationStatus', 'Failed', 'error', error), now(), 'migration'
    FROM stranded
), unqueued AS (
    DELETE FROM taskflow.work_items AS w USING stranded WHERE w.instance_id = stranded.id
)
DELETE FROM taskflow.inbox AS b USING stranded WHERE b.instance_id = stranded.id;
