-- When to look for work next, so an idle worker can sleep until then: the next waiting item's time, or, while limited
-- work is ready but held by its limit, @limited_recheck from now (slots and tokens free up unannounced). @kinds narrows
-- it to some kinds of work (a worker that registers no Durable entity leaves entities' batches to a host that does, so
-- it waits for its own next work, not for a batch it will not take); null for any.
-- The ready index leads with the priority, so a min(visible_at) over it read every waiting item (16-25 ms with 150,000
-- waiting, at every idle turn of every worker). Instead each priority present is found in turn, highest first (a loose
-- index scan: one probe each, a few at most), and its earliest item read from the index's order.
-- The limited work's part is written out, not called as taskflow.next_limited_at (migration 0016): a SQL function whose
-- body reads a table is not inlined, so PostgreSQL planned that body again at every call (0.13 of 0.15 ms).
WITH RECURSIVE priorities AS (
    SELECT max(priority) AS priority FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NULL
    UNION ALL
    SELECT (SELECT max(w.priority) FROM taskflow.work_items AS w
            WHERE w.lease_token IS NULL AND w.limit_key IS NULL AND w.priority < p.priority)
    FROM priorities AS p
    WHERE p.priority IS NOT NULL
)
SELECT least(
    (SELECT min((SELECT w.visible_at FROM taskflow.work_items AS w
                 WHERE w.lease_token IS NULL AND w.limit_key IS NULL AND w.priority = p.priority
                   AND (@kinds::text[] IS NULL OR w.kind = ANY(@kinds::text[]))
                 ORDER BY w.visible_at
                 LIMIT 1))
     FROM priorities AS p),
    (SELECT greatest(next, coalesce(@now, now()) + @limited_recheck) -- greatest() skips NULLs: none queued must stay NULL
     FROM (SELECT min(visible_at) AS next FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NOT NULL) AS limited
     WHERE next IS NOT NULL));
