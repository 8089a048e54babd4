-- Holds off every other write to the queue until the limit's change commits (and waits for those under way), so no
-- activity is queued or leased with a key computed from the limits as they were. Taken only when a limit is added or
-- removed, the changes that move work between keys; a change of numbers takes effect at the next lease.
LOCK TABLE taskflow.work_items IN SHARE ROW EXCLUSIVE MODE;
