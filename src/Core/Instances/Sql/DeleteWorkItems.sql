-- First step of a cancel: removing the work items fences out any worker still running one; its commit will
-- find no row. Locked activities and timers first, the episode item last, the order completions take them in.
DELETE FROM taskflow.work_items
WHERE id IN (SELECT id FROM taskflow.work_items WHERE instance_id = @id ORDER BY kind = 'orchestration', id FOR UPDATE);
