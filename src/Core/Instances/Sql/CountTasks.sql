SELECT CASE WHEN status = 'pending' AND next_visible_at > coalesce(@now, now()) THEN 'scheduled' ELSE status END AS shown_status,
       count(*)
FROM taskflow.tasks
GROUP BY shown_status;
