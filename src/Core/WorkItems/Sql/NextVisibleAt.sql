-- When to look for work next, so an idle worker can sleep until then: the next waiting item's time, or, while limited
-- work is ready but held by its limit, @limited_recheck from now (slots and tokens free up unannounced).
SELECT least(
    (SELECT min(visible_at) FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NULL),
    taskflow.next_limited_at(coalesce(@now, now()), @limited_recheck));
