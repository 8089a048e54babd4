-- 0028: a task's success writes one index entry fewer. instances_finished (completed_at) took an entry at every
-- completion, since the instance's update cannot be HOT while an index names a column it changes; it served only
-- retention's search for tasks finished before a cutoff. Retention now walks instances_by_status_created, each finished
-- status from its oldest task, a batch at a time from where the last batch stopped, and deletes those that finished
-- before the cutoff (PurgeTasks.sql). That index still keeps the completion from being HOT (docs/benchmarks.md,
-- "Retention by status and creation, and what a HOT completion would take").
-- Applied migrations are immutable (their checksums are recorded): never edit this file once merged; add the next number.
DROP INDEX taskflow.instances_finished;
