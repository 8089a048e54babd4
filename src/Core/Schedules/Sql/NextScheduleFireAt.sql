SELECT min(next_fire_at) FROM taskflow.schedules WHERE NOT paused;
