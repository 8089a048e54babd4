-- First statement of a group of continuations (docs/architecture.md, "Continuations"): activities' results, each
-- committed with its orchestration's next episode. Ends each activity's lease (TF001 when one is gone; the work items'
-- rows first, the lock order every writer keeps), then checks each instance is as this worker's last episode left it
-- (TF003 when one is not: its history moved, or an episode is queued for an event that came first). Either raise undoes
-- the group; its members are then committed one at a time, which tells whose it was (a group of one names its own).
-- Every table is read by the keys given (`= ANY` of the arrays, an index condition whatever the join), never by a join
-- left to find the rows: the batch runs on generic plans (KeyedPlans.GenericLookups), made perhaps while the tables were
-- small, and kept as they grow. A plan that joined the queue by instance alone scanned all its orchestration work items
-- at every step once it was large (2.7 ms a step, up to 3 s, in the soak).
WITH done AS (
    DELETE FROM taskflow.work_items AS w
    USING unnest(@work_item_ids::bigint[], @lease_tokens::bigint[]) AS g (id, lease_token)
    WHERE w.id = ANY(@work_item_ids) AND w.id = g.id AND w.lease_token = g.lease_token
    RETURNING w.id
)
SELECT taskflow.expect_lease_held(
           ((SELECT count(*) FROM done) = cardinality(@work_item_ids))::int, (@work_item_ids)[1], (@lease_tokens)[1]),
       taskflow.expect_continuable((
           (SELECT count(*)
            FROM unnest(@instance_ids::text[], @last_sequences::int[]) AS g (instance_id, last_sequence)
            JOIN taskflow.instances AS i ON i.id = ANY(@instance_ids) AND i.id = g.instance_id AND i.last_sequence = g.last_sequence)
           = cardinality(@instance_ids)
           AND NOT EXISTS ( -- once for the group: correlated, it scanned the group's work items again for each member
               SELECT 1 FROM taskflow.work_items AS w WHERE w.instance_id = ANY(@instance_ids) AND w.kind = 'orchestration'))::int,
           (@instance_ids)[1]);
