-- Chooses up to @batch_size ready work items: first those limits govern, each within its limit
-- (taskflow.choose_limited, which runs only while a limit is defined), then the rest of the batch from the ready
-- index, highest priority first, then the longest ready. @kinds narrows the choice to some kinds of work (the Durable
-- Task Framework's dispatchers lease episodes and activities apart), @orchestration_work_only to an orchestration's
-- work (a Durable host cannot run TaskFlow's single-activity tasks), and @limited_only to limited work (queue
-- dispatch, whose doorbells ring only unlimited work). A set of kinds is written into the text in place of @kinds
-- (WorkItemLeases.LeaseNextSqlFor), so that the generic plan each text keeps can take the episodes' own index.
-- Followed by LeaseChosen.sql, which leases what this picks (WorkItemLeases joins the two).
WITH limited AS (
    SELECT id, granted_at
    FROM taskflow.choose_limited(@now, @batch_size, @kinds::text[], @orchestration_work_only, @worker_id)
    WHERE EXISTS (SELECT 1 FROM taskflow.limits)
), unlimited AS (
    SELECT id, NULL::timestamptz AS granted_at
    FROM taskflow.work_items AS w
    WHERE lease_token IS NULL
      AND limit_key IS NULL
      AND visible_at <= coalesce(@now, now())
      AND (@kinds::text[] IS NULL OR kind = ANY(@kinds::text[]))
      AND (NOT @orchestration_work_only
           OR EXISTS (SELECT 1 FROM taskflow.instances AS i WHERE i.id = w.instance_id AND i.kind = 'orchestration'))
      AND NOT @limited_only
    ORDER BY priority DESC, visible_at, id
    LIMIT greatest(@batch_size - (SELECT count(*) FROM limited), 0)
    FOR UPDATE SKIP LOCKED
), chosen AS (
    SELECT id, granted_at FROM limited
    UNION ALL
    SELECT id, granted_at FROM unlimited
