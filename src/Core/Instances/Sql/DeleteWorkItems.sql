-- First step of a cancel: removing the work items (locking them before the instance, the order every
-- statement uses) fences out any worker still running one; its commit will find no row.
DELETE FROM taskflow.work_items WHERE instance_id = @id;
