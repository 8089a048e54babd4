-- The instance after an episode. The history sequence it must end at is checked, so a history written by
-- anything else meanwhile rolls the episode back (TF002) instead of leaving a gap or a clash.
WITH updated AS (
    UPDATE taskflow.instances
    SET status = @status,
        execution = @execution,
        input = CASE WHEN @replace_input THEN @input::jsonb ELSE input END,
        output = @output::jsonb,
        error = @error::jsonb,
        custom_status = CASE WHEN @custom_status_changed THEN @custom_status::jsonb ELSE custom_status END,
        last_sequence = @last_sequence,
        started_at = coalesce(started_at, coalesce(@now, now())),
        completed_at = CASE WHEN @status = ANY (taskflow.finished_statuses()) THEN coalesce(@now, now()) END,
        updated_at = coalesce(@now, now())
    WHERE id = @instance_id AND last_sequence = @previous_sequence
    RETURNING id
)
SELECT taskflow.expect_history_unmoved((SELECT count(*) FROM updated), @instance_id);
