-- An external event for a running orchestration: queued in its inbox, read by its next episode.
SELECT taskflow.append_to_inbox(id, execution, 'EventRaised', NULL, NULL,
           jsonb_build_object('name', @name::text, 'input', @input::jsonb), coalesce(@now, now()), @actor, true)
FROM taskflow.instances
WHERE id = @id AND kind = 'orchestration' AND status = ANY (taskflow.unfinished_statuses());
