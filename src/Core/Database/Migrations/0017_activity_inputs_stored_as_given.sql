-- 0017: an activity's input is stored as the caller gave it, whichever host scheduled it. A Durable host (the storage
-- provider) stored the Durable Task Framework's parameter array instead ([input]), which a server worker then ran the
-- activity with, and the audit trail showed; the provider now stores the input itself and wraps it again for the
-- framework (src/Core/Provider/FrameworkParameters.cs). Work items a Durable host queued before are unwrapped here: its
-- episodes record their worker as the actor of TaskScheduled, and its worker's role is 'durable'. (History is append-only:
-- earlier TaskScheduled events keep the array.)
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
UPDATE taskflow.work_items AS w
SET input = w.input -> 0
FROM taskflow.history AS h
JOIN taskflow.workers AS k ON k.id = h.actor AND k.role = 'durable'
WHERE w.kind = 'activity'
  AND h.instance_id = w.instance_id AND h.execution = w.execution AND h.task_id = w.task_id AND h.event_type = 'TaskScheduled'
  AND jsonb_typeof(w.input) = 'array' AND jsonb_array_length(w.input) = 1;
