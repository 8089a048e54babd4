-- Where a fan-out's time goes, from its history on the database's clock, in ms after it was submitted: each episode
-- from its start (OrchestratorStarted: the replay begins) to the moment it wrote its history (OrchestratorCompleted,
-- just before the commit) with the activity results it read, the span of the activities' completions, and the end.
WITH h AS (
    SELECT sequence, event_type, occurred_at FROM taskflow.history WHERE instance_id = @id
), submitted AS (
    SELECT created_at, completed_at FROM taskflow.instances WHERE id = @id
), episodes AS (
    SELECT s.sequence AS first, s.occurred_at AS started,
           (SELECT min(c.sequence) FROM h AS c WHERE c.event_type = 'OrchestratorCompleted' AND c.sequence > s.sequence) AS last
    FROM h AS s WHERE s.event_type = 'OrchestratorStarted'
), described AS (
    SELECT e.first, format('episode %s-%s ms (%s results)',
               round(extract(epoch FROM e.started - t.created_at) * 1000),
               round(extract(epoch FROM (SELECT occurred_at FROM h WHERE sequence = e.last) - t.created_at) * 1000),
               (SELECT count(*) FROM h WHERE event_type = 'TaskCompleted' AND sequence > e.first AND sequence < e.last)) AS text
    FROM episodes AS e CROSS JOIN submitted AS t
)
SELECT (SELECT string_agg(text, '; ' ORDER BY first) FROM described) ||
       format('; activities completed %s-%s ms; ended %s ms',
           (SELECT round(extract(epoch FROM min(occurred_at) - t.created_at) * 1000) FROM h WHERE event_type = 'TaskCompleted'),
           (SELECT round(extract(epoch FROM max(occurred_at) - t.created_at) * 1000) FROM h WHERE event_type = 'TaskCompleted'),
           round(extract(epoch FROM t.completed_at - t.created_at) * 1000))
FROM submitted AS t
