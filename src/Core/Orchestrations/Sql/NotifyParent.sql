-- A child orchestration ended: its parent hears it as SubOrchestrationInstanceCompleted/Failed at the action that started it.
SELECT taskflow.append_to_inbox(p.id, p.execution, @event_type, @parent_task_id, NULL, @payload::jsonb,
                                coalesce(@now, now()), @actor, true)
FROM taskflow.instances AS p
WHERE p.id = @parent_instance_id;
