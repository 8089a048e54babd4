-- 0013: a task's trace. The W3C traceparent of its submit span (itself the child of the caller's, when the caller sent
-- one): its episodes' and activities' spans are recorded as children of it, so one task is one trace.
ALTER TABLE taskflow.instances ADD COLUMN trace_parent text;
