-- When limited work may next be leased, for queue dispatch's loop that leases only that: its next item's time, or, while
-- some is ready but held, @limited_recheck from now (a slot or a token frees in another process, unannounced); NULL when
-- none is queued. The limited half of NextVisibleAt.sql, written out for the reason given there.
SELECT greatest(next, coalesce(@now, now()) + @limited_recheck) -- greatest() skips NULLs: none queued must stay NULL
FROM (SELECT min(visible_at) AS next FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NOT NULL) AS limited
WHERE next IS NOT NULL;
