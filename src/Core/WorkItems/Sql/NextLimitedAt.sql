-- When limited work may next be leased (taskflow.next_limited_at), for queue dispatch's loop that leases only that.
SELECT taskflow.next_limited_at(coalesce(@now, now()), @limited_recheck);
