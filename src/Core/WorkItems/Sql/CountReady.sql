-- How many work items are ready and waiting for a worker (or for their limit), counted no further than @up_to: the
-- API's backlog check compares it with a limit, so the count never costs more than the limit, however long the queue.
SELECT (SELECT count(*)
        FROM (SELECT 1
              FROM taskflow.work_items
              WHERE lease_token IS NULL AND limit_key IS NULL AND visible_at <= coalesce(@now, now())
              LIMIT @up_to) AS ready)
     + (SELECT count(*)
        FROM (SELECT 1
              FROM taskflow.work_items
              WHERE lease_token IS NULL AND limit_key IS NOT NULL AND visible_at <= coalesce(@now, now())
              LIMIT @up_to) AS held);
