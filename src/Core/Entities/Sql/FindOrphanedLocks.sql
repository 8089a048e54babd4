-- Entities locked by an orchestration that no longer runs (it ended, was terminated or purged without releasing its
-- critical section): each with the lock's owner, to send it the release the owner never sent.
SELECT e.id, e.custom_status ->> 'lockedBy'
FROM taskflow.instances AS e
WHERE e.kind = 'entity'
  AND e.custom_status ->> 'lockedBy' IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM taskflow.instances AS o
                  WHERE o.id = e.custom_status ->> 'lockedBy' AND o.status = ANY (taskflow.unfinished_statuses()))
ORDER BY e.id;
