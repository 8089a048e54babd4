-- Whether the limit exists, locking it for the change that follows in this transaction (SetLimit.sql then reads what
-- it was before on a fresh snapshot).
SELECT count(*) > 0 FROM (SELECT 1 FROM taskflow.limits WHERE scope = @scope AND name = @name FOR UPDATE) AS existing;
