-- The instances after their episodes, one row each (a group of continuations commits many episodes). The history
-- sequence each must end at is checked, so a history written by anything else meanwhile rolls the commit back (TF002)
-- instead of leaving a gap or a clash. A group of one names its instance; a larger group is then committed one at a time.
-- The instances are read by the ids given (`= ANY`, an index condition whatever the join: KeyedPlans).
WITH updated AS (
    UPDATE taskflow.instances AS i
    SET status = u.status,
        execution = u.execution,
        input = CASE WHEN u.replace_input THEN u.input::jsonb ELSE i.input END,
        output = u.output::jsonb,
        error = u.error::jsonb,
        custom_status = CASE WHEN u.custom_status_changed THEN u.custom_status::jsonb ELSE i.custom_status END,
        last_sequence = u.last_sequence,
        started_at = coalesce(i.started_at, coalesce(@now, now())),
        completed_at = CASE WHEN u.status = ANY (taskflow.finished_statuses()) THEN coalesce(@now, now()) END,
        updated_at = coalesce(@now, now())
    FROM unnest(@instance_ids::text[], @statuses::text[], @executions::int[], @replace_inputs::boolean[], @inputs::text[],
                @outputs::text[], @errors::text[], @custom_status_changes::boolean[], @custom_statuses::text[],
                @last_sequences::int[], @previous_sequences::int[])
         AS u (instance_id, status, execution, replace_input, input, output, error, custom_status_changed, custom_status,
               last_sequence, previous_sequence)
    WHERE i.id = ANY(@instance_ids) AND i.id = u.instance_id AND i.last_sequence = u.previous_sequence
    RETURNING i.id
)
SELECT taskflow.expect_history_unmoved(
           ((SELECT count(*) FROM updated) = cardinality(@instance_ids))::int, (@instance_ids)[1]);
