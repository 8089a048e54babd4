-- Where one-at-a-time sequences spend their time, from their histories on the database's clock: for each stored event,
-- by its place in the history (the same orchestration replays the same events in the same order), its type and the
-- median and p99 of its milliseconds after the submission, then the same for the instance's completion. The step that
-- grows most from one event to the next is where the time goes.
WITH runs AS (
    SELECT id, created_at, completed_at FROM taskflow.instances WHERE id = ANY (@ids) AND completed_at IS NOT NULL
), events AS (
    SELECT h.sequence, h.event_type, extract(epoch FROM h.occurred_at - r.created_at) * 1000 AS ms
    FROM runs AS r JOIN taskflow.history AS h ON h.instance_id = r.id
    UNION ALL
    SELECT 2147483647, 'completed', extract(epoch FROM completed_at - created_at) * 1000 FROM runs
), places AS (
    SELECT sequence, mode() WITHIN GROUP (ORDER BY event_type) AS event_type,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
    FROM events GROUP BY sequence
)
SELECT string_agg(format('%s+%s/%s', event_type, round(p50::numeric, 1), round(p99::numeric, 1)), ', ' ORDER BY sequence)
FROM places
