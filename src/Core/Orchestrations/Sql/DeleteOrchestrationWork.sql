-- Work that an episode made moot: abandoned timers, or, when the orchestration ended, all its other work.
DELETE FROM taskflow.work_items
WHERE instance_id = @instance_id
  AND id <> @work_item_id
  AND (@all_work OR (kind = 'timer' AND task_id = ANY(@timer_ids::int[]) AND lease_token IS NULL));
