-- Chooses up to @batch_size ready work items: highest priority first, then the longest ready. @kinds narrows the
-- choice to some kinds of work (the Durable Task Framework's dispatchers lease episodes and activities apart), and
-- @orchestration_work_only to an orchestration's work (a Durable host cannot run TaskFlow's single-activity tasks).
-- Followed by LeaseChosen.sql, which leases what this picks (WorkItemQueue joins the two).
WITH chosen AS (
    SELECT id
    FROM taskflow.work_items AS w
    WHERE lease_token IS NULL
      AND visible_at <= coalesce(@now, now())
      AND (@kinds::text[] IS NULL OR kind = ANY(@kinds::text[]))
      AND (NOT @orchestration_work_only
           OR EXISTS (SELECT 1 FROM taskflow.instances AS i WHERE i.id = w.instance_id AND i.kind = 'orchestration'))
    ORDER BY priority DESC, visible_at, id
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
