-- An execution ended: all its other work goes (activities, timers, a pending episode), before any new work of a
-- ContinueAsNew is inserted.
DELETE FROM taskflow.work_items
WHERE instance_id = @instance_id
  AND id <> @work_item_id;
