-- NextVisibleAt.sql for a worker that takes only some kinds of work (@kinds: one that registers no Durable entity leaves
-- entities' batches to a host that does). Asked only when the cheap question's answer is already due yet nothing was
-- leased, so such a worker waits for its own next work instead of asking again at once while a batch is not its to run.
SELECT least(
    (SELECT min(visible_at) FROM taskflow.work_items WHERE lease_token IS NULL AND limit_key IS NULL AND kind = ANY(@kinds)),
    taskflow.next_limited_at(coalesce(@now, now()), @limited_recheck));
