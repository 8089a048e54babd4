-- The task an idempotency key was first used for, and a hash of the request that used it.
SELECT id, request_hash FROM taskflow.instances WHERE idempotency_key = @idempotency_key;
