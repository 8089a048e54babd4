-- Graceful shutdown: hands a leased item back without counting the attempt, visible at once.
WITH released AS (
    UPDATE taskflow.work_items
    SET lease_token = NULL,
        lease_owner = NULL,
        lease_expires_at = NULL,
        leased_at = NULL,
        attempt = attempt - 1,
        visible_at = coalesce(@now, now())
    WHERE id = @work_item_id AND lease_token = @lease_token
    RETURNING instance_id, attempt
)
UPDATE taskflow.instances AS i
SET status = 'pending', attempt = released.attempt, updated_at = coalesce(@now, now())
FROM released
WHERE i.id = released.instance_id AND i.kind = 'activity';
