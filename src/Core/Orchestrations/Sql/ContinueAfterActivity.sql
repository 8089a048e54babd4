-- First statement of a continuation (docs/architecture.md, "Continuations"): an activity's result committed with its
-- orchestration's next episode. Ends the activity's lease (TF001 when it is gone; the work item's row first, the
-- lock order every writer keeps), then checks the instance is as this worker's last episode left it (TF003 when
-- not: its history moved, or an episode is queued for an event that came first). Either raise undoes the batch.
-- Every row is found by the keys given, with no join: the batch runs on generic plans (KeyedPlans.GenericLookups),
-- made perhaps while the tables were small, and kept as they grow.
WITH done AS (
    DELETE FROM taskflow.work_items
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING id
)
SELECT taskflow.expect_lease_held((SELECT count(*) FROM done), @work_item_id, @lease_token),
       taskflow.expect_continuable((
           SELECT count(*) FROM taskflow.instances AS i
           WHERE i.id = @instance_id AND i.last_sequence = @last_sequence
             AND NOT EXISTS (SELECT 1 FROM taskflow.work_items AS w WHERE w.instance_id = @instance_id AND w.kind = 'orchestration')
       ), @instance_id);
