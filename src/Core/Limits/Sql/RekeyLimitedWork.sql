SELECT taskflow.rekey_limited_work();
