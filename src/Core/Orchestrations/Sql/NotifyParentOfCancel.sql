-- A cancelled child: its waiting parent hears SubOrchestrationInstanceFailed, so it is not left waiting forever.
SELECT taskflow.append_to_inbox(p.id, p.execution, 'SubOrchestrationInstanceFailed', c.parent_task_id, NULL,
           jsonb_build_object('instanceId', c.id, 'error', jsonb_build_object(
               'type', 'TaskFlow.Cancelled', 'message', coalesce(@reason::text, 'The sub-orchestration was cancelled.'), 'nonRetryable', true)),
           coalesce(@now, now()), @actor, true)
FROM taskflow.instances AS c
JOIN taskflow.instances AS p ON p.id = c.parent_instance_id
WHERE c.id = @id;
