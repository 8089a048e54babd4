-- When the next not-yet-visible work item becomes ready, so an idle worker can sleep until then.
SELECT min(visible_at) FROM taskflow.work_items WHERE lease_token IS NULL;
